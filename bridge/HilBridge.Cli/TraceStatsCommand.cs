using System.CommandLine;
using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>`hilbridge trace stats FILE`: counts by kind, duration, acknowledgements, fences, violations.</summary>
internal static class TraceStatsCommand
{
    public static Command Create()
    {
        var file = TraceCliSupport.TraceArgument();
        var json = ResultOutput.JsonOption("the statistics");
        var command = new Command("stats", "Summarize a trace: records by kind, duration, latency, fences, violations") { file, json };
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

            if (parse.GetValue(json))
            {
                Console.WriteLine(Json(reader, stats));
                return Task.FromResult(TraceCliSupport.ReportEnd(reader, "trace stats"));
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

    private static string Name<T>(T kind) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static string Json(TraceReader reader, TraceStatistics stats)
    {
        var t = stats.Tally;
        return ResultJson.SerializeHeaded("trace.stats", new
        {
            scenario = reader.Header.Scenario,
            source = reader.Header.Source,
            status = reader.Status,
            problem = reader.Problem,
            records = Enum.GetValues<TraceRecordKind>().ToDictionary(Name, stats.Records),
            engineDuration = t.Duration,
            inputs = Enum.GetValues<EngineInputKind>().Where(k => t.Input(k) > 0).ToDictionary(Name, t.Input),
            effects = Enum.GetValues<EffectKind>().Where(k => t.Effect(k) > 0).ToDictionary(Name, t.Effect),
            decisions = TraceReplayReport.Figures(t),
            stragglers = Enum.GetValues<StragglerOutcome>().ToDictionary(Name, t.Stragglers),
            smmu = stats.Smmu,
            guestReports = stats.GuestReports,
            liveVerdict = stats.RunEnd?.Outcome,
        });
    }
}
