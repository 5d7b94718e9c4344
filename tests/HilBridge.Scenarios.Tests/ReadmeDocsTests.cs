using System.Text.Json;

namespace HilBridge.Scenarios.Tests;

/// <summary>The README documents what the code accepts: every scenario key, every expect: metric (generated table), no dead promises.</summary>
public class ReadmeDocsTests
{
    private static string Readme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scenarios", "scenario.schema.json")))
            {
                return File.ReadAllText(Path.Combine(dir.FullName, "README.md"));
            }
        }

        throw new DirectoryNotFoundException("the repository above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void MetricTable_IsWhatTheCodeGenerates()
    {
        var readme = Readme();
        const string Begin = "<!-- metrics:begin -->\n", End = "<!-- metrics:end -->";
        var start = readme.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var table = readme[start..readme.IndexOf(End, start, StringComparison.Ordinal)];

        Assert.True(table == RunMetricDocs.Markdown(),
            "README's metric table is stale: replace the block between the metrics markers with `hilbridge scenario metrics`");
    }

    [Fact]
    public void EveryMetric_Described()
    {
        Assert.All(RunMetrics.Names, m => Assert.False(RunMetricDocs.Describe(m) is null, $"metric {m} has no description in RunMetricDocs"));
    }

    [Fact]
    public void EveryScenarioKey_InTheReadme()
    {
        var readme = Readme();
        using var schema = JsonDocument.Parse(ScenarioSchema.Generate());

        Assert.All(Keys(schema.RootElement), key => Assert.True(readme.Contains($"`{key}", StringComparison.Ordinal) || readme.Contains($" {key}`", StringComparison.Ordinal)
            || readme.Contains($"{key}`", StringComparison.Ordinal), $"scenario key '{key}' is not documented in README.md"));
    }

    [Fact]
    public void Readme_NoLinksOutsideTheRepository()
    {
        var readme = Readme();

        Assert.DoesNotContain("http://", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("](../", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("`../shared", readme, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Keys(JsonElement node)
    {
        if (node.TryGetProperty("properties", out var properties))
        {
            foreach (var p in properties.EnumerateObject())
            {
                yield return p.Name;
                foreach (var inner in Keys(p.Value))
                {
                    yield return inner;
                }
            }
        }

        if (node.TryGetProperty("items", out var items))
        {
            foreach (var inner in Keys(items))
            {
                yield return inner;
            }
        }
    }
}
