using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>
/// `--json` of every command that prints a result: the result in the tool's one JSON shape (<see cref="ResultJson"/>),
/// headed by `schemaVersion` and `result` (what it is: "replay", "trace.stats", "ctl.Counters") so a script can tell which result it holds.
/// </summary>
internal static class ResultOutput
{
    public static Option<bool> JsonOption(string what = "the result") => new("--json")
    {
        Description = $"Print {what} as JSON (camelCase, durations in microseconds named *Us, schemaVersion {ResultJson.SchemaVersion}; README \"Results as JSON\")",
    };

    /// <summary><paramref name="result"/> serialized with the tool's options, as one object whose first fields are schemaVersion and result.</summary>
    public static string Json(string resultName, object result, bool indented = true)
    {
        var body = JsonSerializer.SerializeToNode(result, result.GetType(), ResultJson.Options)!.AsObject();
        var headed = new JsonObject { ["schemaVersion"] = ResultJson.SchemaVersion, ["result"] = resultName };
        foreach (var (name, value) in body.ToList())
        {
            if (name is not ("schemaVersion" or "result"))
            {
                body.Remove(name);
                headed[name] = value;
            }
        }

        return headed.ToJsonString(indented ? ResultJson.Options : ResultJson.Compact);
    }
}
