namespace HilBridge.Core.Dma;

/// <summary>
/// Direction of a device access, with the same bit values as vhost's IOTLB permissions
/// (VHOST_ACCESS_RO = 1, VHOST_ACCESS_WO = 2, VHOST_ACCESS_RW = 3), so a permission check is a mask test.
/// </summary>
[Flags]
public enum AccessKind : byte
{
    None = 0,
    /// <summary>The device reads guest memory (guest-to-device buffer).</summary>
    Read = 1,
    /// <summary>The device writes guest memory (device-to-guest buffer).</summary>
    Write = 2,
    ReadWrite = Read | Write,
}
