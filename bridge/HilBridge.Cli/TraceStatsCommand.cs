using System.CommandLine;
using HilBridge.Traces.Analysis;

namespace HilBridge.Cli;

/// <summary>`hilbridge trace stats FILE`: counts by kind, duration, acknowledgements, fences, violations.</summary>
internal static class TraceStatsCommand
{
    public static Command Create()
    {
        var file = TraceCliSupport.TraceArgument();
        var command = new Command("stats", "Summarize a trace: records by kind, duration, latency, fences, violations") { file };
        command.SetAction((parse, ct) =>
        {
            using var reader = TraceCliSupport.Open(parse.GetValue(file)!, "trace stats");
            if (reader is null)
            {
                return Task.FromResult(TraceCliSupport.ExitUnusable);
            }

            var stats = new TraceStatistics();
            while (reader.TryRead(out var entry))
            {
                stats.Add(entry);
            }

            foreach (var line in TraceText.Header(reader.Header))
            {
                Console.WriteLine(line);
            }

            foreach (var line in stats.Render(reader))
            {
                Console.WriteLine(line);
            }

            return Task.FromResult(TraceCliSupport.ReportEnd(reader, "trace stats"));
        });
        return command;
    }
}
