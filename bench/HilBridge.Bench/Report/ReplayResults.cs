namespace HilBridge.Bench.Report;

/// <summary>
/// bench/replay's figures (its replay.json): for each trace size, exact replay in a process of its own
/// (so the peak RSS is that size's alone), engine inputs per second per round and their median.
/// </summary>
public sealed record ReplayResults(
    IReadOnlyList<ReplaySize>? Sizes,
    IReadOnlyList<ReplayPass>? Passes,
    IReadOnlyList<ReplayRow>? Rows = null,
    IReadOnlyList<string>? Notes = null)
{
    /// <summary>Median inputs per second (millions) of the largest trace.</summary>
    public double? MedianMillionInputsPerSecond => Largest?.MedianInputsPerSecond / 1e6;

    /// <summary>Peak RSS of the largest trace's replay over that of the smallest: 1.0 is flat memory.</summary>
    public double? PeakRssGrowth => Sizes is { Count: > 1 } s && s.MinBy(x => x.Inputs)!.PeakRssBytes > 0
        ? (double)Largest!.PeakRssBytes / s.MinBy(x => x.Inputs)!.PeakRssBytes : null;

    private ReplaySize? Largest => Sizes?.MaxBy(s => s.Inputs);
}

/// <summary>Exact replay of one trace in a fresh process: every round's inputs/s, their median, the process's peak RSS.</summary>
public sealed record ReplaySize(
    long Inputs, long Records, long TraceBytes, IReadOnlyList<double> RoundInputsPerSecond, double MedianInputsPerSecond,
    long PeakRssBytes, double AllocatedBytesPerInput);

/// <summary>A reference pass over the large trace (decode only, Google.Protobuf's parser, recording): records/s per round and median.</summary>
public sealed record ReplayPass(string Name, long Records, IReadOnlyList<double> RoundRecordsPerSecond, double MedianRecordsPerSecond);

/// <summary>A row of the "best of N" table that bench/replay printed before it wrote JSON (kept to render old results).</summary>
public sealed record ReplayRow(string Name, double MillionEventsPerSecond, double PeakRssMegabytes, double AllocatedBytesPerEvent);
