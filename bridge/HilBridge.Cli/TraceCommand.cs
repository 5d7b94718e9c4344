using System.CommandLine;

namespace HilBridge.Cli;

/// <summary>`hilbridge trace ...`: look into, convert and import trace files (replay is its own command).</summary>
internal static class TraceCommand
{
    public static Command Create() => new("trace", "Inspect, export and import HilBridge trace files (.hbt)")
    {
        TraceDumpCommand.Create(),
        TraceStatsCommand.Create(),
        TraceExportCommand.Create(),
        TraceImportCommand.Create(),
    };
}
