using System.Text.Json;

namespace HilBridge.Bench;

/// <summary>One JSON style for every file the benchmark writes (snake_case, indented).</summary>
internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
