using HilBridge.Core.Engine;

namespace HilBridge.Live.Device;

/// <summary>The bridge's device and engine settings, with defaults for the main job. Immutable: a run derives its copy with <c>with</c>.</summary>
public sealed record BridgeOptions
{
    /// <summary>Disk image behind the virtio-blk device; created (sparse) when missing.</summary>
    public string DiskImage { get; init; } = "disk.img";

    public long DiskSizeBytes { get; init; } = 64L << 20;

    public int QueueCount { get; init; } = 1;

    /// <summary>How long a DMA waits for QEMU to fill an ATC miss before it fails.</summary>
    public TimeSpan MissTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public string DeviceSerial { get; init; } = "hilbridge0";

    public EngineOptions Engine { get; init; } = new();
}
