using HilBridge.Core.Engine;

namespace HilBridge.Host.Device;

/// <summary>The bridge's device and engine settings, with defaults for the main job.</summary>
public sealed class BridgeOptions
{
    /// <summary>Disk image behind the virtio-blk device; created (sparse) when missing.</summary>
    public string DiskImage { get; set; } = "disk.img";

    public long DiskSizeBytes { get; set; } = 64L << 20;

    public int QueueCount { get; set; } = 1;

    /// <summary>How long a DMA waits for QEMU to fill an ATC miss before it fails.</summary>
    public TimeSpan MissTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public string DeviceSerial { get; set; } = "hilbridge0";

    public EngineOptions Engine { get; set; } = new();
}
