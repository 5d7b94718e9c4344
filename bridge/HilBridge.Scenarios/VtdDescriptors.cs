namespace HilBridge.Scenarios;

/// <summary>
/// The names under which a VT-d run counts the guest's invalidation descriptors in
/// <see cref="RunSummary.IommuCommands"/> (QEMU's own type names, with "device" spelled out).
/// </summary>
public static class VtdDescriptors
{
    public const string Iotlb = "iotlb";
    public const string DeviceIotlb = "device-iotlb";
    public const string Wait = "wait";
    public const string ContextCache = "context-cache";
    public const string InterruptEntryCache = "iec";
}
