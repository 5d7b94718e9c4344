using HilBridge.Core.Engine;

namespace HilBridge.Traces.Replay;

/// <summary>
/// Overrides for a what-if replay. With none set, replay is exact: the recorded engine, the recorded
/// timers, every decision compared.
/// </summary>
public sealed record ReplayOptions
{
    public static ReplayOptions Exact { get; } = new();

    /// <summary>Replaces the recorded fault policy (recorded SetPolicy inputs are then ignored).</summary>
    public FaultPolicy? Policy { get; init; }

    public TimeSpan? Timeout { get; init; }

    public FencePolicy? FencePolicy { get; init; }

    public FenceMode? FenceMode { get; init; }

    public ulong? Seed { get; init; }

    public bool IsWhatIf => Policy is not null || Timeout is not null || FencePolicy is not null || FenceMode is not null || Seed is not null;

    /// <summary>The recorded options with these overrides applied.</summary>
    public EngineOptions ApplyTo(EngineOptions recorded) => new()
    {
        InvalidationTimeout = Timeout ?? recorded.InvalidationTimeout,
        FencePolicy = FencePolicy ?? recorded.FencePolicy,
        FenceMode = FenceMode ?? recorded.FenceMode,
        StreamId = recorded.StreamId,
        Seed = Seed ?? recorded.Seed,
        AtcCapacity = recorded.AtcCapacity,
        Policy = Policy ?? recorded.Policy,
        RefusedAckStatus = recorded.RefusedAckStatus,
        ExactInvalidation = recorded.ExactInvalidation,
    };
}
