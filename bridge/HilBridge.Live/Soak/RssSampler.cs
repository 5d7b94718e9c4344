namespace HilBridge.Live.Soak;

/// <summary>One reading of this process's memory (kB, from /proc/self/status).</summary>
public readonly record struct RssSample(TimeSpan At, long VmRssKb, long RssAnonKb);

/// <summary>
/// Samples this process's resident memory (the bridge runs in it) and judges growth by comparing the
/// mean of the first quarter of the samples with the mean of the last quarter. VmRSS includes the
/// guest RAM pages the device touched through its shared mapping, which fills up to the guest's
/// working set and is not a leak; RssAnon (the heap and stacks) is where a leak would show.
/// </summary>
public sealed class RssSampler
{
    private readonly List<RssSample> _samples = [];

    public IReadOnlyList<RssSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToArray();
            }
        }
    }

    public void Sample(TimeSpan at)
    {
        long rss = 0, anon = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = Kb(line);
            }
        }
        lock (_samples)
        {
            _samples.Add(new RssSample(at, rss, anon));
        }
    }

    /// <summary>Mean of the first and the last quarter of the samples (all samples when there are fewer than 4).</summary>
    public static (double First, double Last) Quartiles(IReadOnlyList<RssSample> samples, Func<RssSample, long> value)
    {
        if (samples.Count == 0)
        {
            return (0, 0);
        }

        var quarter = Math.Max(1, samples.Count / 4);
        return (samples.Take(quarter).Average(s => (double)value(s)), samples.TakeLast(quarter).Average(s => (double)value(s)));
    }

    private static long Kb(string line) =>
        long.TryParse(line.Split(':', 2)[1].Trim().Split(' ')[0], out var kb) ? kb : 0;
}
