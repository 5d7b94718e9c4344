namespace HilBridge.Scenarios.Report;

/// <summary>
/// What happened during a run, in time order, for people: every invalidation (up to a cap) with its
/// acknowledgement, the fences as spans, and the timeouts, stragglers, violations, refused accesses and
/// guest reports as marks. Times are microseconds since the engine started. Written as timeline.json
/// and drawn by report.html; built by <see cref="TimelineRecorder"/> live or from a trace.
/// </summary>
public sealed record RunTimeline
{
    /// <summary>The last time anything happened (the plot's right edge).</summary>
    public double EndUs { get; init; }

    public IReadOnlyList<TimelineInvalidation> Invalidations { get; init; } = [];

    /// <summary>Invalidations past <see cref="TimelineRecorder.MaxInvalidations"/>: counted, not kept.</summary>
    public long InvalidationsOmitted { get; init; }

    public IReadOnlyList<TimelineFence> Fences { get; init; } = [];

    public IReadOnlyList<TimelineMark> Marks { get; init; } = [];

    /// <summary>Acknowledgement latency of every invalidation, in power-of-two microsecond buckets.</summary>
    public IReadOnlyList<LatencyBucket> AckLatency { get; init; } = [];

    /// <summary>"measured" (receipt to reply on the host, what the guest waits) or "engine" (the engine's added delay: a trace without measurements).</summary>
    public string AckLatencySource { get; init; } = "measured";
}

/// <summary>One invalidation: arrival, acknowledgement (null: never answered), the engine's added delay and the measured latency.</summary>
public sealed record TimelineInvalidation(ulong Id, double AtUs, string Iova, ulong Size)
{
    public double? AckUs { get; init; }

    /// <summary>The acknowledgement's status: 0 success, else refused.</summary>
    public ulong Status { get; init; }

    /// <summary>The delay the engine's fault policy added (0 in a run without delays).</summary>
    public double DelayUs { get; init; }

    /// <summary>Receipt to reply as measured on the host; null when not measured (replayed or imported traces).</summary>
    public double? MeasuredUs { get; init; }

    public bool TimedOut { get; init; }
}

/// <summary>The device fenced from <see cref="StartUs"/> to <see cref="EndUs"/> (null: still fenced at the end).</summary>
public sealed record TimelineFence(double StartUs, string Reason)
{
    public double? EndUs { get; init; }

    public string? UnfenceReason { get; init; }
}

/// <summary>A moment: <see cref="Kind"/> is one of <see cref="TimelineMarkKinds"/>; <see cref="RequestId"/> the invalidation it belongs to, if any.</summary>
public sealed record TimelineMark(string Kind, double AtUs, string Label)
{
    public ulong? RequestId { get; init; }
}

/// <summary>The lanes of the plot, top to bottom, besides invalidations, delays and fences.</summary>
public static class TimelineMarkKinds
{
    public const string Timeout = "timeout";
    public const string Straggler = "straggler";
    public const string Violation = "violation";
    public const string Refused = "refused";
    public const string Control = "control";
    public const string Guest = "guest";
}

/// <summary>Samples with latency in [<see cref="FromUs"/>, <see cref="ToUs"/>).</summary>
public sealed record LatencyBucket(double FromUs, double ToUs, long Count);
