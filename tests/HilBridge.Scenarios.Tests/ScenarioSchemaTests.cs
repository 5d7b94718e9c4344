using System.Text.Json;

namespace HilBridge.Scenarios.Tests;

/// <summary>scenarios/scenario.schema.json is generated from the loader's model and must not drift from it.</summary>
public class ScenarioSchemaTests
{
    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scenarios", "scenario.schema.json")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("scenarios/scenario.schema.json not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void SchemaFile_IsWhatTheModelGenerates()
    {
        var file = File.ReadAllText(Path.Combine(Repository(), "scenarios", "scenario.schema.json"));

        Assert.True(file == ScenarioSchema.Generate(),
            "scenarios/scenario.schema.json is stale: regenerate it with `hilbridge scenario schema > scenarios/scenario.schema.json`");
    }

    [Fact]
    public void Schema_EveryLoaderSectionAndMetric_Present()
    {
        using var schema = JsonDocument.Parse(ScenarioSchema.Generate());
        var properties = schema.RootElement.GetProperty("properties");

        Assert.Equal(["hope", "fence"], properties.GetProperty("engine").GetProperty("properties").GetProperty("fencePolicy").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var stragglers = properties.GetProperty("rules").GetProperty("items").GetProperty("properties").GetProperty("stragglers").GetProperty("properties");
        Assert.Contains("target", stragglers.EnumerateObject().Select(p => p.Name));
        var metrics = properties.GetProperty("expect").GetProperty("propertyNames").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        Assert.All(RunMetrics.Names, m => Assert.Contains(m, metrics));
    }
}
