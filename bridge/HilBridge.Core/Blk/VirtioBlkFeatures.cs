using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>virtio-blk feature bits (VIRTIO 1.2 5.2.3), as bit numbers and masks, and what this device offers.</summary>
public static class VirtioBlkFeatures
{
    public const int SizeMaxBit = 1;
    public const int SegMaxBit = 2;
    public const int GeometryBit = 4;
    public const int RoBit = 5;
    public const int BlkSizeBit = 6;
    public const int FlushBit = 9;
    public const int TopologyBit = 10;
    public const int ConfigWceBit = 11;
    public const int MqBit = 12;

    /// <summary>VIRTIO_BLK_F_SIZE_MAX: size_max bounds every segment.</summary>
    public const ulong SizeMax = 1UL << SizeMaxBit;
    /// <summary>VIRTIO_BLK_F_SEG_MAX: seg_max bounds the data segments of a request.</summary>
    public const ulong SegMax = 1UL << SegMaxBit;
    public const ulong Geometry = 1UL << GeometryBit;
    /// <summary>VIRTIO_BLK_F_RO: the disk is read-only.</summary>
    public const ulong Ro = 1UL << RoBit;
    /// <summary>VIRTIO_BLK_F_BLK_SIZE: blk_size is the logical block size.</summary>
    public const ulong BlkSize = 1UL << BlkSizeBit;
    /// <summary>VIRTIO_BLK_F_FLUSH: VIRTIO_BLK_T_FLUSH exists, so the driver treats the cache as write-back.</summary>
    public const ulong Flush = 1UL << FlushBit;
    public const ulong Topology = 1UL << TopologyBit;
    public const ulong ConfigWce = 1UL << ConfigWceBit;
    /// <summary>VIRTIO_BLK_F_MQ: num_queues is valid.</summary>
    public const ulong Mq = 1UL << MqBit;

    /// <summary>
    /// What the device model implements. The host adds the transport bits (VERSION_1, ACCESS_PLATFORM,
    /// VHOST_USER_F_PROTOCOL_FEATURES). SIZE_MAX is not offered: the request processor streams through
    /// a bounded scratch buffer, so no segment size limit is needed.
    /// </summary>
    public const ulong Offered =
        SegMax | BlkSize | Flush | Mq | VirtioRingFeatures.IndirectDesc | VirtioRingFeatures.EventIdx;
}
