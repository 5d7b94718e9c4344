using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace HilBridge.Scenarios.Json;

/// <summary>
/// The one JSON shape of every result the tool writes (summary.json, `--json` of run, replay, trace stats,
/// trace import and ctl, soak.json; see README "Results as JSON"): camelCase names, every duration a number of
/// microseconds whose name ends in `Us`, 64-bit counters as numbers, enums as camelCase words, and a
/// `schemaVersion` at the top. The C# types keep their names and units; <see cref="Options"/> maps them, so
/// a new TimeSpan or *Seconds property is written in microseconds without anyone remembering to.
/// </summary>
public static class ResultJson
{
    /// <summary>Bumped when a field changes meaning or goes away (adding fields keeps the version).</summary>
    public const int SchemaVersion = 1;

    /// <summary>The serializer options of the whole tool. Indented: these files are read by people too.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: true);

    /// <summary>The same shape on one line (JSON lines, the trace's RunEnd record).</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    public static string Serialize<T>(T value, bool indented = true) => JsonSerializer.Serialize(value, indented ? Options : Compact);

    /// <summary>
    /// <paramref name="result"/> as one object whose first fields are `schemaVersion` and `result` (what it is:
    /// "replay", "soak", "ctl.Counters"), so that a script can tell which result it holds.
    /// </summary>
    public static string SerializeHeaded(string resultName, object result, bool indented = true)
    {
        var body = JsonSerializer.SerializeToNode(result, result.GetType(), Options)!.AsObject();
        var headed = new JsonObject { ["schemaVersion"] = SchemaVersion, ["result"] = resultName };
        foreach (var (name, value) in body.ToList())
        {
            if (name is not ("schemaVersion" or "result"))
            {
                body.Remove(name);
                headed[name] = value;
            }
        }

        return headed.ToJsonString(indented ? Options : Compact);
    }

    /// <summary>
    /// A run summary written by any version: summaries with a schemaVersion are this shape; older ones
    /// (summary.json and traces' RunEnd records before issue 17) are .NET's default shape, PascalCase with
    /// TimeSpan strings, read as they were written.
    /// </summary>
    public static RunSummary? ReadRunSummary(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("schemaVersion", out _)
            ? document.Deserialize<RunSummary>(Options)
            : document.Deserialize<RunSummary>() is { } legacy ? legacy with { SchemaVersion = 0 } : null;
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = indented,
            // ">= 1" stays readable; these files are never embedded in HTML unescaped.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { Units.Apply } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly();
        return options;
    }
}
