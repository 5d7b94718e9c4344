using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Replay;

/// <summary>What a replay found. Exact mode: <see cref="Reproduced"/> or the first <see cref="Mismatch"/>. What-if: both tallies.</summary>
public sealed record ReplayResult
{
    public required bool IsWhatIf { get; init; }

    /// <summary>The options the replayed engine ran with.</summary>
    public required EngineOptions Options { get; init; }

    public required ReplayMismatch? Mismatch { get; init; }

    public required long Records { get; init; }

    public required TraceReadStatus ReadStatus { get; init; }

    public string? ReadProblem { get; init; }

    /// <summary>What the recording says the engine saw and decided.</summary>
    public required TraceTally Recorded { get; init; }

    /// <summary>What the replayed engine saw and decided.</summary>
    public required TraceTally Replayed { get; init; }

    /// <summary>The replayed engine's counters when the replay stopped.</summary>
    public required EngineCounterSnapshot FinalCounters { get; init; }

    /// <summary>The replayed engine's counters at the recorded run summary (what the live verdict was judged on).</summary>
    public EngineCounterSnapshot? CountersAtRunEnd { get; init; }

    /// <summary>The live run's summary and verdict, if the recording has one.</summary>
    public RunEndRecord? RunEnd { get; init; }

    /// <summary>Recorded inputs the engine rejected (invalid arguments), as the live engine did: skipped.</summary>
    public long RejectedInputs { get; init; }

    /// <summary>What-if: how the recorded device demand was adapted to the new decisions.</summary>
    public WhatIfAdjustments Adjustments { get; init; } = new();

    /// <summary>Exact mode, every decision matched, and the trace was read to its end record.</summary>
    public bool Reproduced => !IsWhatIf && Mismatch is null && ReadStatus == TraceReadStatus.Complete;
}

/// <summary>
/// What-if replay treats the recorded accesses as the device's demand and applies them to an engine that
/// decides differently; these count where the recording and the new decisions could not line up.
/// </summary>
public sealed record WhatIfAdjustments
{
    /// <summary>Recorded Timer inputs skipped: the replay fires its own engine's deadlines instead.</summary>
    public long RecordedTimersSkipped { get; init; }

    /// <summary>Recorded SetPolicy inputs ignored because --policy replaced the policy.</summary>
    public long SetPoliciesIgnored { get; init; }

    /// <summary>Accesses whose result differs from the recording (e.g. refused because the device is now fenced).</summary>
    public long AccessResultsChanged { get; init; }

    /// <summary>Accesses that hit only in the replay: ended at once, since the recording has no end for them.</summary>
    public long ExtraHitsEndedAtOnce { get; init; }

    /// <summary>Recorded EndAccess inputs for accesses that did not hit in the replay: nothing to end.</summary>
    public long EndsWithoutAccess { get; init; }
}
