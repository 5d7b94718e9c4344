using System.Diagnostics;

namespace HilBridge.Fuzz;

/// <summary>What one target's run did.</summary>
public sealed record FuzzReport(string Target, long Cases, TimeSpan Elapsed, IReadOnlyList<Finding> Findings)
{
    public override string ToString() =>
        $"{Target,-8} {Cases,9} cases in {Elapsed.TotalSeconds,6:F1} s ({Cases / Math.Max(Elapsed.TotalSeconds, 1e-9),8:F0}/s), {Findings.Count} findings";
}

/// <summary>
/// Runs cases <c>0..N-1</c> of a fixed-seed run: each case has its own seed derived from the run's, so
/// any single case can be regenerated. An exception escaping the target is a finding like any other.
/// Findings are grouped by signature; each new signature is reported once.
/// </summary>
public static class FuzzRunner
{
    public static FuzzReport Run(IFuzzTarget target, ulong runSeed, long cases, int maxFindings = 10, Action<string>? progress = null)
    {
        var findings = new List<Finding>();
        var signatures = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        var nextProgress = TimeSpan.FromSeconds(10);
        long done = 0;
        for (long i = 0; i < cases && findings.Count < maxFindings; i++, done++)
        {
            var seed = FuzzRandom.CaseSeed(runSeed, target.Name, i);
            if (RunOne(target, seed) is { } finding && signatures.Add(finding.Signature))
            {
                findings.Add(finding);
                progress?.Invoke($"{target.Name}: case {i} (seed {seed}): {finding.Problem}");
            }
            if (progress is not null && clock.Elapsed > nextProgress)
            {
                nextProgress += TimeSpan.FromSeconds(10);
                progress($"{target.Name}: {i + 1} cases, {findings.Count} findings, {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        return new FuzzReport(target.Name, done, clock.Elapsed, findings);
    }

    /// <summary>Generates and runs the case of <paramref name="seed"/>.</summary>
    public static Finding? RunOne(IFuzzTarget target, ulong seed)
    {
        object input;
        try
        {
            input = target.Generate(seed);
        }
        catch (Exception e)
        {
            return new Finding(target.Name, seed, $"generator failed: {Describe(e)}", "");
        }
        return Check(target, seed, input);
    }

    /// <summary>Replays a serialized case (from the corpus).</summary>
    public static Finding? Replay(IFuzzTarget target, string json) => Check(target, 0, target.Deserialize(json));

    internal static Finding? Check(IFuzzTarget target, ulong seed, object input)
    {
        string? problem;
        try
        {
            problem = target.Execute(input);
        }
        catch (Exception e)
        {
            problem = $"unhandled {Describe(e)}";
        }
        return problem is null ? null : new Finding(target.Name, seed, problem, target.Serialize(input));
    }

    private static string Describe(Exception e)
    {
        var frame = e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("HilBridge.", StringComparison.Ordinal) && !l.Contains("HilBridge.Fuzz", StringComparison.Ordinal))?.Trim();
        return $"{e.GetType().Name}: {e.Message}{(frame is null ? "" : " " + frame)}";
    }
}
