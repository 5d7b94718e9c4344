using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace HilBridge.Control.Regression;

/// <summary>
/// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters): one testsuite per suite,
/// one testcase per scenario, failure for an expectation that did not hold, error for a run that
/// aborted, and for a flaky case the failed attempts as flakyFailure/flakyError (Surefire's rerun format).
/// </summary>
public static class JUnitWriter
{
    public static XDocument Build(RegressionReport report)
    {
        var root = new XElement("testsuites",
            new XAttribute("name", "hilbridge regress"),
            Counts(report.Cases.ToList()),
            new XAttribute("time", Seconds(report.Duration)),
            new XAttribute("timestamp", report.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)));
        foreach (var suite in report.Suites)
        {
            root.Add(new XElement("testsuite",
                new XAttribute("name", suite.Suite.Name),
                Counts(suite.Cases),
                new XAttribute("time", Seconds(suite.Duration)),
                new XAttribute("timestamp", report.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
                new XAttribute("hostname", Environment.MachineName),
                new XAttribute("file", suite.Suite.Path),
                new XElement("properties",
                    Property("shard", report.MergedFrom.Count > 0 ? "merged " + string.Join(",", report.MergedFrom) : report.Shard.ToString()),
                    Property("retries", report.Retries.ToString(CultureInfo.InvariantCulture)),
                    Property("flaky", suite.Count(CaseStatus.Flaky).ToString(CultureInfo.InvariantCulture))),
                suite.Cases.Select(c => TestCase(suite.Suite.Name, c))));
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static void Write(RegressionReport report, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        using var writer = XmlWriter.Create(path, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        Build(report).Save(writer);
    }

    private static XElement TestCase(string suite, CaseResult c)
    {
        var element = new XElement("testcase",
            new XAttribute("name", c.Case.Name),
            new XAttribute("classname", suite),
            new XAttribute("file", c.Case.RelativePath),
            new XAttribute("time", Seconds(c.Duration)),
            new XElement("properties",
                Property("id", c.Case.Id),
                Property("attempts", c.Attempts.Count.ToString(CultureInfo.InvariantCulture)),
                Property("flaky", (c.Status == CaseStatus.Flaky) ? "true" : "false"),
                c.Case.Kernel is { } axis ? Property("guestKernel", axis.Label) : null,
                c.Last.Summary?.Kernel is { } kernel ? Property("kernel", kernel.ToString()) : null,
                c.Last.OutputDirectory is { } output ? Property("output", output) : null));
        switch (c.Status)
        {
            case CaseStatus.Failed:
                element.Add(Problem("failure", "ExpectationFailed", c.Last));
                element.Add(RetriedAttempts(c, "rerunFailure", "rerunError"));
                break;
            case CaseStatus.Error:
                element.Add(Problem("error", c.Case.LoadError is null ? "RunAborted" : "ScenarioInvalid", c.Last));
                element.Add(RetriedAttempts(c, "rerunFailure", "rerunError"));
                break;
            case CaseStatus.Flaky:
                element.Add(c.Attempts.Where(a => !a.Passed).Select(a => Problem(a.Status == CaseStatus.Error ? "flakyError" : "flakyFailure", a.Status.ToString(), a)));
                break;
        }
        element.Add(new XElement("system-out", Clean(c.Last.Details)));
        return element;
    }

    /// <summary>Every attempt before the last one of a case that never passed.</summary>
    private static IEnumerable<XElement> RetriedAttempts(CaseResult c, string failure, string error) =>
        c.Attempts.Take(c.Attempts.Count - 1).Select(a => Problem(a.Status == CaseStatus.Error ? error : failure, a.Status.ToString(), a));

    private static XElement Problem(string element, string type, AttemptResult a) =>
        new(element, new XAttribute("message", Clean(a.Message)), new XAttribute("type", type),
            Clean($"attempt {a.Attempt}: {a.Message}\n\n{a.Details}"));

    private static object[] Counts(IReadOnlyCollection<CaseResult> cases) =>
    [
        new XAttribute("tests", cases.Count),
        new XAttribute("failures", cases.Count(c => c.Status == CaseStatus.Failed)),
        new XAttribute("errors", cases.Count(c => c.Status == CaseStatus.Error)),
        new XAttribute("skipped", 0),
    ];

    private static XElement Property(string name, string value) => new("property", new XAttribute("name", name), new XAttribute("value", value));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>XML 1.0 cannot carry most control characters (a guest console may print them).</summary>
    private static string Clean(string text) => new(text.Where(ch => ch is '\t' or '\n' or '\r' || (ch >= ' ' && XmlConvert.IsXmlChar(ch))).ToArray());
}
