namespace HilBridge.Bench.Report;

/// <summary>
/// Whether a run's figures may stand as the reference table (bench/results/latest.*), and if not, why.
/// A quick run, a failed step or a busy machine make the figures unfit: a quick run has too few rounds
/// for the intervals to mean much, a failed step leaves a table with holes that look like results, and
/// on a loaded 2-core machine every peer waits for the CPU (ratios drift toward 1).
/// <see cref="LoadGateOverridden"/>: the run was told to ignore the load; it may be published, marked.
/// </summary>
public sealed record Publication(bool Publishable, IReadOnlyList<string> Problems, double LoadThreshold, double LoadAtStart, bool LoadGateOverridden)
{
    /// <summary>1-minute load average above which a run does not publish (2 CPUs: half of one busy elsewhere).</summary>
    public const double DefaultLoadThreshold = 0.5;

    public static Publication Decide(bool quick, IReadOnlyList<string> failedSteps, double loadAtStart, double loadThreshold, bool ignoreLoad)
    {
        var problems = new List<string>();
        if (quick)
        {
            problems.Add("a --quick run (too few rounds and boots)");
        }

        if (failedSteps.Count > 0)
        {
            problems.Add("failed step(s): " + string.Join(", ", failedSteps));
        }

        var loaded = loadAtStart > loadThreshold;
        if (loaded)
        {
            problems.Add($"1-min load average {loadAtStart:0.00} at start, above the gate's {loadThreshold:0.00}" + (ignoreLoad ? " (gate overridden with --ignore-load)" : ""));
        }

        // Overriding the gate lets a loaded run publish, but never a quick or failed one.
        var publishable = problems.Count == 0 || (ignoreLoad && !quick && failedSteps.Count == 0);
        return new Publication(publishable, problems, loadThreshold, loadAtStart, ignoreLoad && loaded);
    }

    /// <summary>Publishable and clean: taken on a quiet machine, every step ran, a full run.</summary>
    public bool Clean => Publishable && Problems.Count == 0;
}
