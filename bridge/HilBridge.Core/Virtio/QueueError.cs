using HilBridge.Core.Dma;

namespace HilBridge.Core.Virtio;

/// <summary>Why a queue stopped. Once set it sticks until the host builds a new queue (vring reset/restart). Append only.</summary>
public enum QueueErrorKind
{
    None,
    /// <summary>A ring's address range wraps the 64-bit space: the driver programmed garbage.</summary>
    RingAddressWraps,
    /// <summary>avail->idx, avail->flags, used_event or an avail ring entry could not be read.</summary>
    AvailRingUnreadable,
    /// <summary>A used ring element or used->idx could not be written.</summary>
    UsedRingUnwritable,
    /// <summary>avail_event could not be written.</summary>
    AvailEventUnwritable,
    /// <summary>avail->idx moved more than the queue size past what we consumed.</summary>
    BogusAvailIndex,
    /// <summary>The avail ring names a head that is not below the queue size.</summary>
    HeadOutOfRange,
    /// <summary>
    /// A request's status byte could not be written (its translation stayed unanswered): the request is
    /// not published, since a driver would read the byte's old value as the result.
    /// </summary>
    StatusUnwritable,
}

/// <summary>
/// A queue's sticky error: what failed, at which IOVA, with which DMA status (or the offending value
/// for index errors). A value, so the host can log it and stop the queue without exceptions.
/// </summary>
public readonly record struct QueueError(QueueErrorKind Kind, ulong Address = 0, DmaStatus Dma = DmaStatus.Ok, ulong Value = 0)
{
    public static QueueError None => default;

    public bool IsNone => Kind == QueueErrorKind.None;

    public override string ToString() => Kind switch
    {
        QueueErrorKind.None => "no error",
        QueueErrorKind.RingAddressWraps => $"ring at IOVA 0x{Address:x} wraps the address space",
        QueueErrorKind.AvailRingUnreadable => $"avail ring unreadable at IOVA 0x{Address:x} ({Dma})",
        QueueErrorKind.UsedRingUnwritable => $"used ring unwritable at IOVA 0x{Address:x} ({Dma})",
        QueueErrorKind.AvailEventUnwritable => $"avail_event unwritable at IOVA 0x{Address:x} ({Dma})",
        QueueErrorKind.BogusAvailIndex => $"avail idx {Value} is more than the queue size ahead (avail ring at IOVA 0x{Address:x})",
        QueueErrorKind.HeadOutOfRange => $"avail ring names head {Value}, beyond the queue (avail ring at IOVA 0x{Address:x})",
        QueueErrorKind.StatusUnwritable => $"status byte of head {Value} unwritable at IOVA 0x{Address:x} ({Dma}): the request is left unpublished",
        _ => Kind.ToString(),
    };
}
