namespace HilBridge.Live.Device;

/// <summary>
/// The split-ring layout of vhost-user's inflight area (GET/SET_INFLIGHT_FD), as QEMU's
/// libvhost-user defines it (<c>VuVirtqInflight</c>, <c>VuDescStateSplit</c>): one region per queue.
/// <code>
/// queue region, QueueRegionSize(queue_size) bytes, little-endian:
///   0  le64 features       (0)
///   8  le16 version        (1; 0 = fresh area or VM reset: nothing to resubmit)
///  10  le16 desc_num       (= queue_size)
///  12  le16 last_batch_head (head being published)
///  14  le16 used_idx       (used->idx after the last publish)
///  16  desc[desc_num] of 16 bytes: u8 inflight | u8 padding[5] | le16 next | le64 counter
/// </code>
/// </summary>
internal static class InflightLayout
{
    public const int HeaderSize = 16;
    public const int DescStateSize = 16;
    public const int Alignment = 64;
    public const ushort CurrentVersion = 1;

    public const int VersionOffset = 8;
    public const int DescNumOffset = 10;
    public const int LastBatchHeadOffset = 12;
    public const int UsedIdxOffset = 14;
    public const int DescInflightOffset = 0;
    public const int DescCounterOffset = 8;

    /// <summary>
    /// Bytes of one queue's region: libvhost-user's vu_inflight_queue_size, ALIGN_UP(16 · size + 2, 64).
    /// Front-end and back-end must agree on it exactly; it always has room for the 16-byte header.
    /// </summary>
    public static ulong QueueRegionSize(int queueSize) =>
        ((ulong)(DescStateSize * queueSize + sizeof(ushort)) + Alignment - 1) / Alignment * Alignment;
}
