namespace HilBridge.Control.Regression;

/// <summary>Every file a regression writes in its output folder, for one run, one shard or a merge alike.</summary>
public static class RegressionOutputs
{
    public sealed record Paths(string JUnit, string Markdown, string Ktap, string CardMarkdown, string CardHtml, string Record);

    /// <param name="suitesRun">The suites as given (their order numbers the suites in regress.json); null for a merge.</param>
    public static Paths Write(RegressionReport report, string outputDirectory, string? junitPath, string? markdownPath, IReadOnlyList<Suite>? suitesRun)
    {
        var junit = junitPath ?? Path.Combine(outputDirectory, "junit.xml");
        var markdown = markdownPath ?? Path.Combine(outputDirectory, "summary.md");
        var ktap = Path.Combine(outputDirectory, KtapWriter.FileName);
        JUnitWriter.Write(report, junit);
        MarkdownSummary.Write(report, markdown);
        KtapWriter.Write(report, ktap);
        var card = KernelReportCard.Write(report, outputDirectory);
        var record = RegressionRecord.From(report, suitesRun ?? report.Suites.Select(s => s.Suite).ToList());
        record.Write(outputDirectory);
        return new Paths(junit, markdown, ktap, card.Markdown, card.Html, Path.Combine(outputDirectory, RegressionRecord.FileName));
    }
}
