namespace HilBridge.Core.Engine;

/// <summary>
/// One IOTLB INVALIDATE from arrival until nothing can reference its translations any more.
/// It "holds" every translation it must see retired before it may complete: the ATC entries it removed
/// (or, for a dropped request, left in place), plus translations of earlier, still unacknowledged
/// invalidations of the same range, since its acknowledgement also promises those are gone.
/// </summary>
/// <remarks>
/// Pooled by the engine (see <see cref="EnginePool"/>): QEMU stalls a vCPU for every invalidation, so the
/// steady-state path must not allocate. <see cref="Generation"/> changes on every reuse, so a device
/// answer scheduled for an earlier use is recognised as stale.
/// </remarks>
internal sealed class Invalidation
{
    public Invalidation()
    {
        LiveNode = new LinkedListNode<Invalidation>(this);
        TimeoutNode = new LinkedListNode<Invalidation>(this);
    }

    public ulong RequestId { get; private set; }

    /// <summary>Inclusive range: a whole-space invalidation (size 0 from QEMU) needs all 2^64 bytes.</summary>
    public ulong First { get; private set; }
    public ulong Last { get; private set; }
    public DateTimeOffset ArrivedAt { get; private set; }
    public DateTimeOffset TimeoutAt { get; private set; }

    public int Generation { get; private set; }

    public InvalidationState State { get; set; }
    public FaultOutcome Outcome { get; set; }

    /// <summary>The device has finished its part (Complete outcome, delay elapsed).</summary>
    public bool DeviceDone { get; set; }

    public List<Capture> Held { get; } = new();

    /// <summary>
    /// The IOVA span of every entry in <see cref="Held"/> (HeldFirst &gt; HeldLast while there is none): a
    /// new invalidation outside it cannot inherit anything from this one, so the ledger skips its list.
    /// Held only grows while the invalidation is live, and its captures keep their entries meanwhile.
    /// </summary>
    public ulong HeldFirst { get; private set; } = ulong.MaxValue;
    public ulong HeldLast { get; private set; }

    public void WidenHeldSpan(ulong first, ulong last)
    {
        HeldFirst = Math.Min(HeldFirst, first);
        HeldLast = Math.Max(HeldLast, last);
    }

    /// <summary>
    /// Held[..CachedHeld] were in the device's ATC when the request arrived; the rest are inherited from
    /// earlier unacknowledged invalidations and were already out of the ATC.
    /// </summary>
    public int CachedHeld { get; set; }

    /// <summary>Held translations with at least one in-flight access.</summary>
    public int PinnedHeld { get; set; }

    /// <summary>Held translations with at least one straggler still scheduled.</summary>
    public int StragglingHeld { get; set; }

    /// <summary>In the engine's live list (arrival order) until retired.</summary>
    public LinkedListNode<Invalidation> LiveNode { get; }

    /// <summary>In the timeout list while the timeout is armed; arrival order is timeout order.</summary>
    public LinkedListNode<Invalidation> TimeoutNode { get; }

    public bool IsLive => LiveNode.List is not null;

    public bool IsIdle => PinnedHeld == 0 && StragglingHeld == 0;

    /// <summary>Starts a new use of this object for another request.</summary>
    public Invalidation Reset(ulong requestId, ulong first, ulong last, DateTimeOffset arrivedAt, DateTimeOffset timeoutAt)
    {
        RequestId = requestId;
        First = first;
        Last = last;
        ArrivedAt = arrivedAt;
        TimeoutAt = timeoutAt;
        Generation++;
        State = InvalidationState.Pending;
        Outcome = default;
        DeviceDone = false;
        Held.Clear();
        HeldFirst = ulong.MaxValue;
        HeldLast = 0;
        CachedHeld = 0;
        PinnedHeld = 0;
        StragglingHeld = 0;
        return this;
    }
}
