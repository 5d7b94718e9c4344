namespace HilBridge.Bench;

/// <summary>
/// A ratio of two peers' figures with a 95% percentile-bootstrap interval. The figure of a peer is the
/// median of its per-round medians; the rounds are resampled in pairs (the two peers' medians of the
/// same round stay together, since they ran minutes apart under the same conditions). A fixed seed
/// keeps a report reproducible from its samples.
/// </summary>
public sealed record RatioEstimate(double Estimate, double Low, double High)
{
    /// <summary>Whether the interval holds 1.0: the two cannot be told apart at this sample size.</summary>
    public bool IncludesOne => Low <= 1.0 && High >= 1.0;
}

public static class Bootstrap
{
    public const int DefaultResamples = 2000;
    public const int Seed = 20261206;

    public static RatioEstimate? Ratio(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator, int resamples = DefaultResamples)
    {
        var n = Math.Min(numerator.Count, denominator.Count);
        if (n == 0 || SampleStats.Median(denominator.Take(n)) is not > 0)
        {
            return null;
        }

        var estimate = SampleStats.Median(numerator.Take(n)) / SampleStats.Median(denominator.Take(n));
        var random = new Random(Seed);
        var ratios = new double[resamples];
        var a = new double[n];
        var b = new double[n];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < n; i++)
            {
                var pick = random.Next(n);
                a[i] = numerator[pick];
                b[i] = denominator[pick];
            }

            var d = SampleStats.Median(b);
            ratios[r] = d > 0 ? SampleStats.Median(a) / d : double.PositiveInfinity;
        }

        Array.Sort(ratios);
        return new RatioEstimate(estimate, Quantile(ratios, 0.025), Quantile(ratios, 0.975));
    }

    /// <summary>
    /// The median of per-pair ratios (each pair: two boots that ran next to each other) with its 95%
    /// percentile-bootstrap interval, the pairs resampled with the same fixed seed.
    /// </summary>
    public static RatioEstimate? MedianOfRatios(IReadOnlyList<double> ratios, int resamples = DefaultResamples)
    {
        if (ratios.Count == 0)
        {
            return null;
        }

        var random = new Random(Seed);
        var medians = new double[resamples];
        var pick = new double[ratios.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < pick.Length; i++)
            {
                pick[i] = ratios[random.Next(ratios.Count)];
            }

            medians[r] = SampleStats.Median(pick);
        }

        Array.Sort(medians);
        return new RatioEstimate(SampleStats.Median(ratios), Quantile(medians, 0.025), Quantile(medians, 0.975));
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
