using System.Text;

namespace HilBridge.Control.Regression;

/// <summary>
/// KTAP (the kernel's test output format, Documentation/dev-tools/ktap.rst, as kselftest prints it): a version
/// line, the plan, then one "ok N name" / "not ok N name" per case with "# " diagnostic lines for people and
/// tools (kernelci, kselftest runners) that read TAP rather than JUnit. A flaky case is ok, with a diagnostic.
/// </summary>
public static class KtapWriter
{
    public const string FileName = "ktap.txt";

    public static string Render(RegressionReport report)
    {
        var cases = report.Cases.ToList();
        var b = new StringBuilder();
        b.Append("KTAP version 1\n");
        b.Append($"1..{cases.Count}\n");
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            // '#' would start a directive in the result line.
            var name = c.Case.DisplayName.Replace('#', '_');
            b.Append($"{(c.Succeeded ? "ok" : "not ok")} {i + 1} {name}\n");
            if (c.Status != CaseStatus.Passed)
            {
                foreach (var line in $"{c.Status.ToString().ToLowerInvariant()}: {c.Message}".ReplaceLineEndings("\n").Split('\n'))
                {
                    b.Append("# ").Append(line).Append('\n');
                }
            }
        }

        b.Append($"# {report.Count(CaseStatus.Passed)} passed, {report.Count(CaseStatus.Flaky)} flaky, {report.Count(CaseStatus.Failed)} failed, {report.Count(CaseStatus.Error)} errors\n");
        if (report.NotRun > 0)
        {
            b.Append($"# {report.NotRun} not run (stopped at the first failure)\n");
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
}
