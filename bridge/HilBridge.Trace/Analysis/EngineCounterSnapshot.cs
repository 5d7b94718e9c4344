using HilBridge.Core.Engine;

namespace HilBridge.Trace.Analysis;

/// <summary>A copy of the engine's counters at one moment (the engine's own object keeps changing).</summary>
public sealed record EngineCounterSnapshot
{
    public long AtcHits { get; init; }
    public long AtcMisses { get; init; }
    public long AtcUpdates { get; init; }
    public long Invalidations { get; init; }
    public long InvalidationsAcked { get; init; }
    public long InvalidationsRefused { get; init; }
    public long InvalidationsTimedOut { get; init; }
    public long InvalidationsDropped { get; init; }
    public long NegativeCompletions { get; init; }
    public long Fences { get; init; }
    public long Unfences { get; init; }
    public long RefusedAccesses { get; init; }
    public long Violations { get; init; }
    public long StaleHits { get; init; }
    public long StragglersIssued { get; init; }
    public long StragglersRefused { get; init; }
    public long StragglersCancelled { get; init; }
    public TimeSpan? LastRecoveryTime { get; init; }

    public static EngineCounterSnapshot From(EngineCounters c) => new()
    {
        AtcHits = c.AtcHits,
        AtcMisses = c.AtcMisses,
        AtcUpdates = c.AtcUpdates,
        Invalidations = c.Invalidations,
        InvalidationsAcked = c.InvalidationsAcked,
        InvalidationsRefused = c.InvalidationsRefused,
        InvalidationsTimedOut = c.InvalidationsTimedOut,
        InvalidationsDropped = c.InvalidationsDropped,
        NegativeCompletions = c.NegativeCompletions,
        Fences = c.Fences,
        Unfences = c.Unfences,
        RefusedAccesses = c.RefusedAccesses,
        Violations = c.Violations,
        StaleHits = c.StaleHits,
        StragglersIssued = c.StragglersIssued,
        StragglersRefused = c.StragglersRefused,
        StragglersCancelled = c.StragglersCancelled,
        LastRecoveryTime = c.LastRecoveryTime,
    };
}
