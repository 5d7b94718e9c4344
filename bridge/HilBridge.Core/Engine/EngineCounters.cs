namespace HilBridge.Core.Engine;

/// <summary>
/// Monotonic counters of everything the engine saw and did, plus ack-latency percentiles. Read them
/// under the host's engine lock (the engine is single-threaded by contract).
/// </summary>
public sealed class EngineCounters
{
    private readonly LatencyHistogram _ackLatency = new();

    public long AtcHits { get; internal set; }
    public long AtcMisses { get; internal set; }
    /// <summary>IOTLB updates accepted into the ATC.</summary>
    public long AtcUpdates { get; internal set; }
    /// <summary>IOTLB updates ignored because their size was 0.</summary>
    public long AtcUpdatesRejected { get; internal set; }
    /// <summary>Translations evicted because the ATC was full.</summary>
    public long AtcEvictions { get; internal set; }
    public long PermissionDenials { get; internal set; }

    public long Invalidations { get; internal set; }
    /// <summary>Every reply sent to QEMU, whatever its status.</summary>
    public long InvalidationsAcked { get; internal set; }
    /// <summary>Replies with a non-zero status (Hope policy after a negative completion).</summary>
    public long InvalidationsRefused { get; internal set; }
    public long InvalidationsTimedOut { get; internal set; }
    /// <summary>Invalidations the fault policy made the device lose.</summary>
    public long InvalidationsDropped { get; internal set; }
    /// <summary>Negative completions the fault policy made the device send (whatever the fence policy did next).</summary>
    public long NegativeCompletions { get; internal set; }
    /// <summary>Invalidations the fault policy made the device answer late (a completion or refusal with a non-zero delay).</summary>
    public long InvalidationsDelayed { get; internal set; }

    /// <summary>Every fence, whoever made it; the four counters below split it by <see cref="FenceOrigin"/>.</summary>
    public long Fences { get; internal set; }
    public long BridgeFences { get; internal set; }
    public long GuestQuarantines { get; internal set; }
    public long GuestBlocks { get; internal set; }
    public long OperatorFences { get; internal set; }
    public long Unfences { get; internal set; }
    /// <summary>Device accesses refused because the device was fenced.</summary>
    public long RefusedAccesses { get; internal set; }

    /// <summary>All use-after-free violations (stragglers and device accesses).</summary>
    public long Violations { get; internal set; }
    /// <summary>BeginAccess hits on a translation already acknowledged as invalidated (dropped invalidation under Hope).</summary>
    public long StaleHits { get; internal set; }

    /// <summary>Stragglers that ran (allowed, refused or violating).</summary>
    public long StragglersIssued { get; internal set; }
    public long StragglersRefused { get; internal set; }
    /// <summary>Stragglers discarded because the device was reset before they ran.</summary>
    public long StragglersCancelled { get; internal set; }

    /// <summary>Duration of the last completed recovery (fence to unfence), or null if none.</summary>
    public TimeSpan? LastRecoveryTime { get; internal set; }

    public long AckLatencySamples => _ackLatency.Count;

    /// <summary>Ack latency at <paramref name="percentile"/> (0..100, e.g. 50 or 99), within ~3%; null with no acks.</summary>
    public TimeSpan? AckLatencyPercentile(double percentile) => _ackLatency.Percentile(percentile);

    internal void RecordAckLatency(TimeSpan latency) => _ackLatency.Record(latency);

    internal void CountFence(FenceOrigin origin)
    {
        Fences++;
        switch (origin)
        {
            case FenceOrigin.Bridge: BridgeFences++; break;
            case FenceOrigin.GuestQuarantine: GuestQuarantines++; break;
            case FenceOrigin.GuestBlock: GuestBlocks++; break;
            default: OperatorFences++; break;
        }
    }

    /// <summary>A frozen copy for everyone outside the engine lock (this object keeps changing).</summary>
    public EngineCounterSnapshot Snapshot() => new()
    {
        AtcHits = AtcHits,
        AtcMisses = AtcMisses,
        AtcUpdates = AtcUpdates,
        AtcUpdatesRejected = AtcUpdatesRejected,
        AtcEvictions = AtcEvictions,
        PermissionDenials = PermissionDenials,
        Invalidations = Invalidations,
        InvalidationsAcked = InvalidationsAcked,
        InvalidationsRefused = InvalidationsRefused,
        InvalidationsTimedOut = InvalidationsTimedOut,
        InvalidationsDropped = InvalidationsDropped,
        NegativeCompletions = NegativeCompletions,
        InvalidationsDelayed = InvalidationsDelayed,
        Fences = Fences,
        BridgeFences = BridgeFences,
        GuestQuarantines = GuestQuarantines,
        GuestBlocks = GuestBlocks,
        OperatorFences = OperatorFences,
        Unfences = Unfences,
        RefusedAccesses = RefusedAccesses,
        Violations = Violations,
        StaleHits = StaleHits,
        StragglersIssued = StragglersIssued,
        StragglersRefused = StragglersRefused,
        StragglersCancelled = StragglersCancelled,
        AckLatencySamples = AckLatencySamples,
        AckLatencyP50 = AckLatencyPercentile(50),
        AckLatencyP99 = AckLatencyPercentile(99),
        LastRecoveryTime = LastRecoveryTime,
    };
}
