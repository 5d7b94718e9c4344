using System.CommandLine;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>
/// `--json` of every command that prints a result: the result in the tool's one JSON shape,
/// written by <see cref="ResultJson.SerializeHeaded"/>.
/// </summary>
internal static class ResultOutput
{
    public static Option<bool> JsonOption(string what = "the result") => new("--json")
    {
        Description = $"Print {what} as JSON (camelCase, durations in microseconds named *Us, schemaVersion {ResultJson.SchemaVersion}; README \"Results as JSON\")",
    };
}
