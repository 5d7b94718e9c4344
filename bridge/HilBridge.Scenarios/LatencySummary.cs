using System.Globalization;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>
/// A latency distribution as results report it (fio json+ style): count, mean, p50/p90/p99/p99.9, max and
/// a histogram whose keys are bucket upper bounds in microseconds (powers of two) and values the counts.
/// </summary>
public sealed record LatencySummary
{
    public long Count { get; init; }
    public TimeSpan? P50 { get; init; }
    public TimeSpan? P90 { get; init; }
    public TimeSpan? P99 { get; init; }

    /// <summary>The 99.9th percentile.</summary>
    public TimeSpan? P999 { get; init; }
    public TimeSpan? Max { get; init; }

    /// <summary>Upper bound in microseconds ("1", "2", "4", ... doubling) -> samples at or below it and above the previous bound.</summary>
    public IReadOnlyDictionary<string, long> BinsUpToUs { get; init; } = new Dictionary<string, long>();

    public static LatencySummary From(LatencyHistogram histogram)
    {
        var bins = new SortedDictionary<long, long>();
        foreach (var (upTo, count) in histogram.Buckets())
        {
            var us = Math.Max(1L, (long)Math.Ceiling(upTo.TotalMicroseconds));
            var bound = 1L << (int)Math.Ceiling(Math.Log2(us));
            bins[bound] = bins.GetValueOrDefault(bound) + count;
        }

        return new LatencySummary
        {
            Count = histogram.Count,
            P50 = histogram.Percentile(50),
            P90 = histogram.Percentile(90),
            P99 = histogram.Percentile(99),
            P999 = histogram.Percentile(99.9),
            Max = histogram.Percentile(100),
            BinsUpToUs = bins.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
        };
    }
}
