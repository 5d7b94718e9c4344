namespace HilBridge.Core.Virtio;

/// <summary>
/// The ring feature bits (VIRTIO 1.2 section 6) this queue implements, as bit numbers and masks.
/// Transport bits (VERSION_1, ACCESS_PLATFORM) are the vhost-user layer's; device bits live with the device.
/// </summary>
public static class VirtioRingFeatures
{
    /// <summary>VIRTIO_RING_F_INDIRECT_DESC: descriptors may point at descriptor tables.</summary>
    public const int IndirectDescBit = 28;

    /// <summary>VIRTIO_RING_F_EVENT_IDX: used_event / avail_event replace the flag-based suppression.</summary>
    public const int EventIdxBit = 29;

    public const ulong IndirectDesc = 1UL << IndirectDescBit;
    public const ulong EventIdx = 1UL << EventIdxBit;
}
