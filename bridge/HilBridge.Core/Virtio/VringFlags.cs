namespace HilBridge.Core.Virtio;

/// <summary>Flags of a split-ring descriptor (VIRTIO 1.2 2.7.5).</summary>
[Flags]
public enum VringDescFlags : ushort
{
    None = 0,
    /// <summary>VRING_DESC_F_NEXT: the chain continues at the descriptor named by <c>next</c>.</summary>
    Next = 1,
    /// <summary>VRING_DESC_F_WRITE: the buffer is device-writable (device-readable otherwise).</summary>
    Write = 2,
    /// <summary>VRING_DESC_F_INDIRECT: the buffer is a table of descriptors (VIRTIO_RING_F_INDIRECT_DESC).</summary>
    Indirect = 4,
}

/// <summary>Flags the driver sets in the available ring header.</summary>
[Flags]
public enum VringAvailFlags : ushort
{
    None = 0,
    /// <summary>VRING_AVAIL_F_NO_INTERRUPT: the driver asks not to be notified (ignored with EVENT_IDX).</summary>
    NoInterrupt = 1,
}

/// <summary>Flags the device sets in the used ring header.</summary>
[Flags]
public enum VringUsedFlags : ushort
{
    None = 0,
    /// <summary>VRING_USED_F_NO_NOTIFY: the device asks not to be kicked (ignored with EVENT_IDX).</summary>
    NoNotify = 1,
}
