using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

/// <summary>
/// The committed results agree with each other: bench/results/latest.md is what the renderer makes of
/// latest.json, and README.md's benchmark section is what it quotes from it. A hand edit of either
/// (or a renderer change without bench/render.sh) fails here.
/// </summary>
public class LatestResultsTests
{
    private static readonly string Root = FindRoot();

    private static BenchReport Latest() => BenchReport.FromJson(File.ReadAllText(Path.Combine(Root, "bench", "results", "latest.json")));

    [Fact]
    public void LatestMd_IsRenderedFromLatestJson()
    {
        var expected = MarkdownWriter.Render(Latest());

        Assert.Equal(expected, File.ReadAllText(Path.Combine(Root, "bench", "results", "latest.md")));
    }

    [Fact]
    public void Readme_QuotesLatestJson()
    {
        var section = ReadmeSection.Extract(File.ReadAllText(Path.Combine(Root, "README.md")));

        Assert.NotNull(section);
        Assert.Equal(ReadmeSection.Render(Latest()), section);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HilBridge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no HilBridge.sln above " + AppContext.BaseDirectory);
    }
}
