using System.Text;
using HilBridge.Control.Regression;

namespace HilBridge.Cli;

/// <summary>The end of a `hilbridge regress` on stdout: one line per scenario and the totals.</summary>
internal static class RegressOutput
{
    public static string Render(RegressionReport report)
    {
        var b = new StringBuilder();
        b.AppendLine("== HilBridge regression ==");
        foreach (var c in report.Cases)
        {
            var status = c.Status switch
            {
                CaseStatus.Passed => "ok   ",
                CaseStatus.Flaky => "FLAKY",
                CaseStatus.Failed => "FAIL ",
                _ => "ERROR",
            };
            b.AppendLine($"{status} {c.Case.DisplayName,-40} {c.Duration.TotalSeconds,6:F1} s{(c.Status == CaseStatus.Passed ? "" : "  " + c.Message)}");
        }
        var total = report.Cases.Count();
        // Worded so that no CI log scraper mistakes it for the test command's own "N passed, N failed" line.
        b.AppendLine($"regress {(report.Succeeded ? "passed" : "FAILED")}: {report.Count(CaseStatus.Passed) + report.Count(CaseStatus.Flaky)} of {total} scenarios passed "
            + $"({report.Count(CaseStatus.Flaky)} flaky), {report.Count(CaseStatus.Failed)} failed, {report.Count(CaseStatus.Error)} errors"
            + $"{(report.NotRun > 0 ? $", {report.NotRun} not run" : "")}, {report.Duration.TotalSeconds:F1} s "
            + (report.MergedFrom.Count > 0 ? $"(merged from shards {string.Join(", ", report.MergedFrom)})" : $"(shard {report.Shard})"));
        return b.ToString();
    }
}
