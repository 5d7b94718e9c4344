using HilBridge.Live.Guest;

namespace HilBridge.Control.Regression;

/// <summary>
/// `regress merge`: the shards' regress.json files as one report, in the order an unsharded run gives (suites as
/// listed, cases in suite order), so its JUnit, KTAP, Markdown and report card read as if one machine ran it all.
/// </summary>
public static class RegressionMerge
{
    /// <exception cref="SuiteException">A record is missing or unreadable, or two records ran the same case.</exception>
    public static RegressionReport Merge(IReadOnlyList<RegressionRecord> records)
    {
        if (records.Count == 0)
        {
            throw new SuiteException("nothing to merge");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var suites = new SortedDictionary<(int Index, string Name), (RegressionRecord.SuiteEntry Suite, List<RegressionRecord.CaseEntry> Cases)>();
        foreach (var record in records)
        {
            foreach (var s in record.Suites)
            {
                if (!suites.TryGetValue((s.Index, s.Name), out var merged))
                {
                    suites[(s.Index, s.Name)] = merged = (s, []);
                }

                foreach (var c in s.Cases)
                {
                    if (!seen.Add(RegressionRecord.CaseId(s.Name, c)))
                    {
                        throw new SuiteException($"{RegressionRecord.CaseId(s.Name, c)} is in two of the merged folders (the same shard twice?)");
                    }

                    merged.Cases.Add(c);
                }
            }
        }

        var reports = suites.Values.Select(s =>
        {
            var cases = s.Cases.OrderBy(c => c.Index).Select(c => ToResult(s.Suite, c)).ToList();
            var suite = new Suite(s.Suite.Name, s.Suite.Description, s.Suite.Path, cases.Select(r => r.Case).ToList());
            return new SuiteReport(suite, cases);
        }).ToList();
        var started = records.Min(r => r.StartedAt);
        // The shards ran side by side: the merged run took from the first start to the last end.
        var ended = records.Max(r => r.StartedAt + TimeSpan.FromSeconds(r.DurationSeconds));
        return new RegressionReport(reports, Shard.All, records.Max(r => r.Retries), started, ended - started)
        {
            NotRun = records.Sum(r => r.NotRun),
            MergedFrom = records.Select(r => r.Shard).ToList(),
        };
    }

    private static CaseResult ToResult(RegressionRecord.SuiteEntry suite, RegressionRecord.CaseEntry c)
    {
        SuiteKernel? kernel = null;
        if (c.KernelLabel is { } label && GuestKernelSpec.TryParse(label, out var spec, out _, Path.GetDirectoryName(suite.Path)))
        {
            kernel = new SuiteKernel(label, spec);
        }

        var scenarioCase = new SuiteCase(suite.Name, c.RelativePath, c.Path, null, c.LoadError) { ScenarioName = c.Name, Kernel = kernel };
        var attempts = c.Attempts.Select(a => new AttemptResult(a.Attempt, a.Status, a.Message, a.Details, TimeSpan.FromSeconds(a.DurationSeconds), a.Summary, a.OutputDirectory)).ToList();
        return new CaseResult(scenarioCase, c.Status, attempts);
    }
}
