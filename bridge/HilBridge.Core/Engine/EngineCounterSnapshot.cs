namespace HilBridge.Core.Engine;

/// <summary>
/// The engine's counters at one moment (<see cref="EngineCounters.Snapshot"/>): what the bridge's
/// statistics, the run summary, replay and the control plane hold instead of copying fields.
/// A new counter is a property here, a line in <see cref="All"/> and a line in the snapshot copy.
/// </summary>
public sealed record EngineCounterSnapshot
{
    public long AtcHits { get; init; }
    public long AtcMisses { get; init; }
    public long AtcUpdates { get; init; }
    public long AtcUpdatesRejected { get; init; }
    public long AtcEvictions { get; init; }
    public long PermissionDenials { get; init; }
    public long Invalidations { get; init; }
    public long InvalidationsAcked { get; init; }
    public long InvalidationsRefused { get; init; }
    public long InvalidationsTimedOut { get; init; }
    public long InvalidationsDropped { get; init; }
    public long NegativeCompletions { get; init; }
    public long InvalidationsDelayed { get; init; }
    public long Fences { get; init; }
    public long BridgeFences { get; init; }
    public long GuestQuarantines { get; init; }
    public long GuestBlocks { get; init; }
    public long OperatorFences { get; init; }
    public long Unfences { get; init; }
    public long RefusedAccesses { get; init; }
    public long Violations { get; init; }
    public long StaleHits { get; init; }
    public long StragglersIssued { get; init; }
    public long StragglersRefused { get; init; }
    public long StragglersCancelled { get; init; }
    public long AckLatencySamples { get; init; }

    /// <summary>Delay the device model chose before acknowledging (policy delay, in-flight DMA, stragglers), on the engine's clock.</summary>
    public TimeSpan? AckLatencyP50 { get; init; }
    public TimeSpan? AckLatencyP99 { get; init; }

    /// <summary>Duration of the last completed recovery (fence to unfence), or null if none.</summary>
    public TimeSpan? LastRecoveryTime { get; init; }

    /// <summary>
    /// Every counter once, by name, with what it means: generic consumers (scenario metrics, the control
    /// plane, the run summary) iterate this instead of naming fields, so a new counter reaches them all.
    /// </summary>
    public static IReadOnlyList<EngineCounterDefinition> All { get; } =
    [
        new("atcHits", "translations found in the ATC", s => s.AtcHits),
        new("atcMisses", "translations the ATC did not hold (a translation request to the IOMMU)", s => s.AtcMisses),
        new("atcUpdates", "IOTLB updates accepted into the ATC", s => s.AtcUpdates),
        new("atcUpdatesRejected", "IOTLB updates ignored because their size was 0", s => s.AtcUpdatesRejected),
        new("atcEvictions", "translations evicted because the ATC was full", s => s.AtcEvictions),
        new("permissionDenials", "accesses the translation's permissions did not allow", s => s.PermissionDenials),
        new("invalidations", "invalidation requests received", s => s.Invalidations),
        new("invalidationsAcked", "replies sent to QEMU, whatever their status", s => s.InvalidationsAcked),
        new("invalidationsRefused", "replies with a non-zero status (Hope policy after a negative completion)", s => s.InvalidationsRefused),
        new("invalidationsTimedOut", "invalidations the device did not complete in time", s => s.InvalidationsTimedOut),
        new("invalidationsDropped", "invalidations the fault policy made the device lose", s => s.InvalidationsDropped),
        new("negativeCompletions", "negative completions the fault policy made the device send", s => s.NegativeCompletions),
        new("invalidationsDelayed", "invalidations the fault policy made the device answer late (completion or refusal after a delay)", s => s.InvalidationsDelayed),
        new("fences", "times the device was fenced, by anyone (the next four split it)", s => s.Fences),
        new("bridgeFences", "fences by the bridge's own policy: an invalidation got no positive completion in time", s => s.BridgeFences),
        new("guestQuarantines", "fences by the guest's quarantine: its STE still translates but refuses translated requests (EATS cleared)", s => s.GuestQuarantines),
        new("guestBlocks", "fences by the guest parking the device: its STE aborts, bypasses or is invalid (a reset's blocking domain, a detach)", s => s.GuestBlocks),
        new("operatorFences", "fences from the control plane (or traces recorded before fence origins)", s => s.OperatorFences),
        new("unfences", "times the device was unfenced", s => s.Unfences),
        new("refusedAccesses", "device accesses refused because the device was fenced", s => s.RefusedAccesses),
        new("violations", "use-after-free violations (stragglers and device accesses)", s => s.Violations),
        new("staleHits", "accesses that hit a translation already acknowledged as invalidated", s => s.StaleHits),
        new("stragglersIssued", "stragglers that ran (allowed, refused or violating)", s => s.StragglersIssued),
        new("stragglersRefused", "stragglers refused because the device was fenced", s => s.StragglersRefused),
        new("stragglersCancelled", "stragglers discarded because the device was reset before they ran", s => s.StragglersCancelled),
        new("ackLatencySamples", "acknowledgements whose model delay was measured", s => s.AckLatencySamples),
    ];
}
