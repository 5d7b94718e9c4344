namespace HilBridge.Core.Engine;

/// <summary>
/// A delay distribution in seconds, sampled from the engine's seeded generator so a run can be replayed.
/// Build one with the factories; the parameters are validated there.
/// </summary>
public readonly record struct Distribution
{
    /// <summary>Upper clamp of any sample, so a heavy tail can never overflow a DateTimeOffset (~11.6 days).</summary>
    public const double MaxSeconds = 1e6;

    private Distribution(DistributionKind kind, double p1, double p2) => (Kind, Parameter1, Parameter2) = (kind, p1, p2);

    public DistributionKind Kind { get; }

    /// <summary>Fixed: value; Uniform: min; Exponential: mean; LogNormal: mu (all seconds, mu of ln seconds).</summary>
    public double Parameter1 { get; }

    /// <summary>Uniform: max; LogNormal: sigma; otherwise 0.</summary>
    public double Parameter2 { get; }

    public static Distribution None => default;

    public static Distribution Fixed(double seconds) => new(DistributionKind.Fixed, NonNegative(seconds, nameof(seconds)), 0);

    public static Distribution Fixed(TimeSpan delay) => Fixed(delay.TotalSeconds);

    public static Distribution Uniform(double minSeconds, double maxSeconds)
    {
        NonNegative(minSeconds, nameof(minSeconds));
        NonNegative(maxSeconds, nameof(maxSeconds));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeconds, minSeconds);
        return new(DistributionKind.Uniform, minSeconds, maxSeconds);
    }

    public static Distribution Exponential(double meanSeconds) =>
        new(DistributionKind.Exponential, NonNegative(meanSeconds, nameof(meanSeconds)), 0);

    /// <summary>Log-normal: the natural log of the delay in seconds is normal(mu, sigma).</summary>
    public static Distribution LogNormal(double mu, double sigma)
    {
        if (!double.IsFinite(mu))
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "mu must be finite.");
        }

        return new(DistributionKind.LogNormal, mu, NonNegative(sigma, nameof(sigma)));
    }

    /// <summary>The expected value in seconds (before the <see cref="MaxSeconds"/> clamp).</summary>
    public double MeanSeconds => Kind switch
    {
        DistributionKind.Fixed or DistributionKind.Exponential => Parameter1,
        DistributionKind.Uniform => (Parameter1 + Parameter2) / 2,
        DistributionKind.LogNormal => Math.Exp(Parameter1 + Parameter2 * Parameter2 / 2),
        _ => 0,
    };

    /// <summary>
    /// Draws one delay. The number of generator draws per kind is fixed (None/Fixed 0, Uniform and
    /// Exponential 1, LogNormal 2) so that the stream stays aligned across runs.
    /// </summary>
    internal double SampleSeconds(DeterministicRandom random)
    {
        double s = Kind switch
        {
            DistributionKind.Fixed => Parameter1,
            DistributionKind.Uniform => Parameter1 + (Parameter2 - Parameter1) * random.NextDouble(),
            // 1 - u is in (0, 1], so the log is finite.
            DistributionKind.Exponential => -Parameter1 * Math.Log(1.0 - random.NextDouble()),
            DistributionKind.LogNormal => Math.Exp(Parameter1 + Parameter2 * StandardNormal(random)),
            _ => 0,
        };
        return Math.Clamp(s, 0, MaxSeconds);
    }

    internal TimeSpan Sample(DeterministicRandom random) =>
        TimeSpan.FromTicks((long)Math.Round(SampleSeconds(random) * TimeSpan.TicksPerSecond));

    public override string ToString() => Kind switch
    {
        DistributionKind.Fixed => $"fixed({Parameter1}s)",
        DistributionKind.Uniform => $"uniform({Parameter1}s, {Parameter2}s)",
        DistributionKind.Exponential => $"exponential(mean {Parameter1}s)",
        DistributionKind.LogNormal => $"lognormal(mu {Parameter1}, sigma {Parameter2})",
        _ => "none",
    };

    // Box-Muller, using both uniforms every time and discarding the second normal: no hidden cached
    // state, so a sample depends only on the generator position.
    private static double StandardNormal(DeterministicRandom random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be a finite, non-negative number of seconds.");
        }

        return value;
    }
}
