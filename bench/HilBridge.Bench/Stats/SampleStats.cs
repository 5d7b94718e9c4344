namespace HilBridge.Bench;

/// <summary>
/// Order statistics of a sample set (nanoseconds or any unit). Percentiles are nearest-rank on the
/// sorted samples, index round(p/100 * (n-1)): the same rule as the C harness, so both agree.
/// </summary>
public sealed record SampleStats(int Count, long P50, long P90, long P99, long P999, long Min, long Max, double Mean)
{
    public static SampleStats Of(ReadOnlySpan<long> samples)
    {
        if (samples.IsEmpty)
        {
            return new SampleStats(0, 0, 0, 0, 0, 0, 0, 0);
        }

        var sorted = samples.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (var s in sorted)
        {
            sum += s;
        }

        return new SampleStats(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), Percentile(sorted, 99.9),
            sorted[0], sorted[^1], sum / sorted.Length);
    }

    public static long Percentile(long[] sorted, double p)
    {
        var i = (int)Math.Round(p / 100.0 * (sorted.Length - 1), MidpointRounding.AwayFromZero);
        return sorted[Math.Clamp(i, 0, sorted.Length - 1)];
    }

    /// <summary>The median of a few values (e.g. per-round figures).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0)
        {
            return double.NaN;
        }

        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
