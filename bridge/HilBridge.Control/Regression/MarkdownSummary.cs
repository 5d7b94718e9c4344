using System.Text;

namespace HilBridge.Control.Regression;

/// <summary>A Markdown report for people (a CI job summary, e.g. --markdown "$GITHUB_STEP_SUMMARY").</summary>
public static class MarkdownSummary
{
    public static string Render(RegressionReport report)
    {
        var cases = report.Cases.ToList();
        var b = new StringBuilder();
        var verdict = report.Succeeded ? "passed" : "FAILED";
        b.AppendLine($"# HilBridge regression {verdict}");
        b.AppendLine();
        b.AppendLine($"{report.Count(CaseStatus.Passed)} passed, {report.Count(CaseStatus.Flaky)} flaky, {report.Count(CaseStatus.Failed)} failed, "
            + $"{report.Count(CaseStatus.Error)} errors of {cases.Count} scenarios"
            + (report.MergedFrom.Count > 0 ? $" (merged from shards {string.Join(", ", report.MergedFrom)}" : $" (shard {report.Shard}")
            + $", {report.Retries} retries) in {report.Duration.TotalSeconds:F1} s{(report.NotRun > 0 ? $"; {report.NotRun} not run (--fail-fast)" : "")}.");
        b.AppendLine();
        b.AppendLine("| suite | scenario | result | attempts | time | details |");
        b.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var suite in report.Suites)
        {
            foreach (var c in suite.Cases)
            {
                var result = c.Status switch
                {
                    CaseStatus.Passed => "passed",
                    CaseStatus.Flaky => "flaky",
                    CaseStatus.Failed => "**failed**",
                    _ => "**error**",
                };
                var details = c.Status == CaseStatus.Passed ? "" : c.Message;
                b.AppendLine($"| {Cell(suite.Suite.Name)} | {Cell(c.Case.Name)} | {result} | {c.Attempts.Count} | {c.Duration.TotalSeconds:F1} s | {Cell(details)} |");
            }
        }
        var problems = cases.Where(c => c.Status != CaseStatus.Passed).ToList();
        if (problems.Count > 0)
        {
            b.AppendLine();
            b.AppendLine("## Not passed at the first attempt");
            foreach (var c in problems)
            {
                b.AppendLine();
                b.AppendLine($"### {c.Case.DisplayName}: {c.Status.ToString().ToLowerInvariant()}");
                foreach (var a in c.Attempts)
                {
                    b.AppendLine($"- attempt {a.Attempt}: {a.Status.ToString().ToLowerInvariant()}: {Line(a.Message)}{(a.OutputDirectory is { } o ? $" (`{o}`)" : "")}");
                }

                if (c.Last.Summary is { } summary && !c.Succeeded)
                {
                    b.AppendLine();
                    b.AppendLine("```");
                    b.Append(summary.Render());
                    b.AppendLine("```");
                }
            }
        }
        return b.ToString();
    }

    public static void Write(RegressionReport report, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, Render(report));
    }

    private static string Cell(string text) => Line(text).Replace("|", "\\|");

    private static string Line(string text) => text.ReplaceLineEndings(" ");
}
