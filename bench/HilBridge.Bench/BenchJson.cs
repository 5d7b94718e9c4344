using System.Text.Json;

namespace HilBridge.Bench;

/// <summary>
/// One JSON style for every file the benchmark writes: camelCase and indented, the names of the tool's own
/// results (README "Results as JSON"). bench/results/latest.json was converted from snake_case on 2026-12-06.
/// </summary>
internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
