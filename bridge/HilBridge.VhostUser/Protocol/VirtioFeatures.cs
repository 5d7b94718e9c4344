namespace HilBridge.VhostUser.Protocol;

/// <summary>Virtio feature bits that the vhost-user protocol itself cares about.</summary>
public static class VirtioFeatures
{
    /// <summary>Bit 26 (VHOST_F_LOG_ALL): dirty logging for migration.</summary>
    public const ulong LogAll = 1UL << 26;

    /// <summary>Bit 30 (VHOST_USER_F_PROTOCOL_FEATURES): the back-end speaks protocol features; never seen by the guest.</summary>
    public const ulong ProtocolFeatures = 1UL << 30;

    /// <summary>Bit 32 (VIRTIO_F_VERSION_1).</summary>
    public const ulong Version1 = 1UL << 32;

    /// <summary>Bit 33 (VIRTIO_F_ACCESS_PLATFORM, formerly IOMMU_PLATFORM): addresses are IOVAs translated through the device IOTLB.</summary>
    public const ulong AccessPlatform = 1UL << 33;
}
