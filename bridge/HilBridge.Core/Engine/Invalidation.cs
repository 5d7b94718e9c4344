namespace HilBridge.Core.Engine;

/// <summary>
/// One IOTLB INVALIDATE from arrival until nothing can reference its translations any more.
/// It "holds" every translation it must see retired before it may complete: the ATC entries it removed
/// (or, for a dropped request, left in place), plus translations of earlier, still unacknowledged
/// invalidations of the same range, since its acknowledgement also promises those are gone.
/// </summary>
internal sealed class Invalidation(ulong requestId, ulong first, ulong last, DateTimeOffset arrivedAt, DateTimeOffset timeoutAt)
{
    public ulong RequestId { get; } = requestId;

    /// <summary>Inclusive range: a whole-space invalidation (size 0 from QEMU) needs all 2^64 bytes.</summary>
    public ulong First { get; } = first;
    public ulong Last { get; } = last;
    public DateTimeOffset ArrivedAt { get; } = arrivedAt;
    public DateTimeOffset TimeoutAt { get; } = timeoutAt;

    public InvalidationState State { get; set; }
    public FaultOutcome Outcome { get; set; }

    /// <summary>The device has finished its part (Complete outcome, delay elapsed).</summary>
    public bool DeviceDone { get; set; }

    public List<Capture> Held { get; } = new();

    /// <summary>Held translations with at least one in-flight access.</summary>
    public int PinnedHeld { get; set; }

    /// <summary>Held translations with at least one straggler still scheduled.</summary>
    public int StragglingHeld { get; set; }

    public LinkedListNode<Invalidation>? LiveNode { get; set; }

    /// <summary>Set while the timeout is armed; the list is in arrival order, hence in timeout order.</summary>
    public LinkedListNode<Invalidation>? TimeoutNode { get; set; }

    public bool IsIdle => PinnedHeld == 0 && StragglingHeld == 0;
}
