using System.Diagnostics;

namespace HilBridge.Control.Regression;

/// <summary>
/// Runs the cases of one shard of some suites: up to <see cref="RegressionOptions.Jobs"/> at once,
/// each retried up to <see cref="RegressionOptions.Retries"/> times until it passes, with progress
/// lines as cases start and finish. Never throws for a case; a crashed attempt is an error result.
/// </summary>
public sealed class RegressionRunner(IScenarioExecutor executor, RegressionOptions options, IProgress<string> progress, TimeProvider time)
{
    public async Task<RegressionReport> RunAsync(IReadOnlyList<Suite> suites, CancellationToken ct)
    {
        var startedAt = time.GetUtcNow();
        var wall = Stopwatch.StartNew();
        var selected = options.Shard.Select(suites.SelectMany(s => s.Cases));
        progress.Report($"{selected.Count} scenarios to run (shard {options.Shard}, {suites.Sum(s => s.Cases.Count)} in {suites.Count} suites), {options.Jobs} at a time, {options.Retries} retries");
        var results = new CaseResult?[selected.Count];
        var finished = 0;
        var stop = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, selected.Count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = ct },
            async (i, token) =>
            {
                if (Volatile.Read(ref stop) != 0)
                {
                    return; // --fail-fast: not started
                }

                var result = await RunCaseAsync(selected[i], $"[{i + 1}/{selected.Count}]", token);
                results[i] = result;
                if (options.FailFast && !result.Succeeded)
                {
                    Volatile.Write(ref stop, 1);
                }

                var n = Interlocked.Increment(ref finished);
                progress.Report($"[{i + 1}/{selected.Count}] {selected[i].DisplayName}: {Verdict(result)} in {result.Duration.TotalSeconds:F1} s ({n}/{selected.Count} done)");
            });
        var byCase = selected.Zip(results).Where(p => p.Second is not null).ToDictionary(p => p.First, p => p.Second!);
        var reports = suites
            .Select(s => new SuiteReport(s, s.Cases.Where(byCase.ContainsKey).Select(c => byCase[c]).ToList()))
            .ToList();
        var notRun = selected.Count - byCase.Count;
        if (notRun > 0)
        {
            progress.Report($"stopped at the first failure (--fail-fast): {notRun} scenarios not run");
        }

        return new RegressionReport(reports, options.Shard, options.Retries, startedAt, wall.Elapsed) { NotRun = notRun };
    }

    private async Task<CaseResult> RunCaseAsync(SuiteCase scenarioCase, string tag, CancellationToken ct)
    {
        if (scenarioCase.LoadError is { } loadError)
        {
            // Not retried: a file that does not load will not load the second time either.
            return new CaseResult(scenarioCase, CaseStatus.Error, [new AttemptResult(1, CaseStatus.Error, "scenario did not load: " + loadError, loadError, TimeSpan.Zero, null, null)]);
        }
        var attempts = new List<AttemptResult>();
        var prefixed = new PrefixedProgress(progress, $"{tag} {scenarioCase.Name}: ");
        for (var attempt = 1; attempt <= 1 + Math.Max(0, options.Retries); attempt++)
        {
            var output = Path.Combine(options.OutputDirectory, Safe(scenarioCase.Suite), Safe(Path.ChangeExtension(scenarioCase.RelativePath, null)),
                scenarioCase.Kernel is { } kernel ? KernelFolder(kernel.Label) : "", $"attempt-{attempt}");
            progress.Report($"{tag} {scenarioCase.DisplayName}: starting{(attempt > 1 ? $" (retry {attempt - 1} of {options.Retries})" : "")}");
            var clock = Stopwatch.StartNew();
            AttemptResult result;
            try
            {
                var summary = await executor.RunAsync(scenarioCase, attempt, output, prefixed, ct);
                result = AttemptResult.From(attempt, summary, clock.Elapsed, output);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                result = AttemptResult.Crashed(attempt, ex, clock.Elapsed, output);
            }
            attempts.Add(result);
            if (result.Passed)
            {
                return new CaseResult(scenarioCase, attempt == 1 ? CaseStatus.Passed : CaseStatus.Flaky, attempts);
            }

            progress.Report($"{tag} {scenarioCase.DisplayName}: attempt {attempt} {result.Status.ToString().ToLowerInvariant()}: {result.Message}");
        }
        return new CaseResult(scenarioCase, attempts[^1].Status, attempts);
    }

    private static string Verdict(CaseResult r) => r.Status switch
    {
        CaseStatus.Passed => "passed",
        CaseStatus.Flaky => $"FLAKY (passed at attempt {r.Attempts.Count})",
        _ => $"{r.Status.ToString().ToUpperInvariant()}: {r.Last.Message}",
    };

    /// <summary>A path segment from a name: no separators or dot-dot, so every attempt stays inside the output folder.</summary>
    /// <summary>
    /// A kernel label as one readable folder name: "build:../kernel-patches/quarantine" is build-quarantine-1a2b3c
    /// (the last part of a path, and a hash of the whole label so that two patch folders of one name stay apart).
    /// </summary>
    internal static string KernelFolder(string label)
    {
        var parts = label.Split(':', '@').Select(p => p.Contains('/') ? Path.GetFileName(p.TrimEnd('/')) : p).Where(p => p.Length > 0 && p != "." && p != "..");
        var name = string.Join("-", parts);
        var hash = label.Contains('/') ? "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(label)))[..6] : "";
        return (name.Length > 0 ? name : "kernel") + hash;
    }

    internal static string Safe(string name)
    {
        var parts = name.Split('/', '\\').Where(p => p.Length > 0 && p != "." && p != "..");
        var joined = string.Join("_", parts);
        return joined.Length > 0 ? joined : "scenario";
    }

    private sealed class PrefixedProgress(IProgress<string> inner, string prefix) : IProgress<string>
    {
        public void Report(string value) => inner.Report(prefix + value);
    }
}
