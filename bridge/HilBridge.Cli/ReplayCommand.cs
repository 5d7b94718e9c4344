using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Live.Replay;
using HilBridge.Scenarios;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;
using HilBridge.Traces.Replay;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge replay FILE`: re-runs the recorded engine on virtual time. Without overrides it must reproduce
/// every decision and the verdict (exit 0) or it names the first divergence (exit 1). With --policy,
/// --timeout, --fence-policy or --fence-mode it answers "what would that policy have done on exactly this
/// traffic?" side by side with the recording.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = TraceCliSupport.TraceArgument();
        var json = ResultOutput.JsonOption();
        var failOnDifference = new Option<bool>("--fail-on-difference")
        {
            Description = "What-if: exit 1 when it decides anything differently from the live run (violations, fences, acks, timeouts, refusals, verdict)",
        };
        var overrides = new TraceOverrideOptions();
        var command = new Command("replay", "Replay a trace on virtual time: reproduce every decision, or compare another policy (what-if)") { file, json, failOnDifference };
        overrides.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (options, _, error) = overrides.Build(parse);
            if (error is not null)
            {
                Console.Error.WriteLine($"hilbridge replay: {error}");
                return Task.FromResult(TraceCliSupport.ExitUsage);
            }

            using var reader = TraceCliSupport.Open(parse.GetValue(file)!, "replay");
            if (reader is null)
            {
                return Task.FromResult(TraceCliSupport.ExitUnusable);
            }

            return Task.FromResult(Run(reader, options!, parse.GetValue(json), parse.GetValue(failOnDifference), ct));
        });
        return command;
    }

    private static int Run(TraceReader reader, ReplayOptions options, bool json, bool failOnDifference, CancellationToken ct)
    {
        var header = reader.Header;
        var recorded = reader.CreateEngineOptions();
        var clock = Stopwatch.StartNew();
        var result = TraceReplayer.Run(reader, options, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        int readCode = TraceCliSupport.ReportEnd(reader, "replay");
        var verdict = TraceVerdict.Judge(result, header);
        if (json)
        {
            Console.WriteLine(Json(result, verdict, reader, seconds));
        }
        else
        {
            Console.WriteLine($"replayed {result.Records} records of scenario {header.Scenario} ({header.Source}) in {seconds:0.00} s ({result.Records / Math.Max(seconds, 1e-9) / 1e6:0.00} M records/s)");
            if (result.IsWhatIf)
            {
                Console.WriteLine("what-if: " + TraceOverrideOptions.Describe(options, recorded));
                TraceReplayReport.WriteComparison(Console.Out, result, verdict);
            }
            else
            {
                TraceReplayReport.WriteExact(Console.Out, result, verdict);
            }
        }

        if (readCode != 0)
        {
            return readCode;
        }

        if (result.IsWhatIf)
        {
            return failOnDifference && TraceReplayReport.Differences(result, verdict).Count > 0 ? (int)ExitCode.Failed : (int)ExitCode.Ok;
        }

        return result.Mismatch is null && verdict?.Same != false ? (int)ExitCode.Ok : (int)ExitCode.Failed;
    }

    private static string Json(ReplayResult r, TraceVerdict? verdict, TraceReader reader, double seconds) => ResultJson.SerializeHeaded("replay", new
    {
        mode = r.IsWhatIf ? "what-if" : "exact",
        records = r.Records,
        elapsedSeconds = seconds, // the replay's own wall time: elapsedUs
        readStatus = reader.Status,
        readProblem = reader.Problem,
        reproduced = r.Reproduced,
        mismatch = r.Mismatch,
        verdict = verdict is null ? null : new { recorded = verdict.Recorded.ToText(), replayed = verdict.Replayed.ToText(), expectations = verdict.Expectations },
        recorded = TraceReplayReport.Figures(r.Recorded),
        replayed = TraceReplayReport.Figures(r.Replayed),
        adjustments = r.IsWhatIf ? r.Adjustments : null,
        differences = r.IsWhatIf ? TraceReplayReport.Differences(r, verdict) : null,
        // The replayed engine's own counters at the end of the trace, every one by name.
        engineCounters = EngineCounterSnapshot.All.ToDictionary(c => c.Name, c => c.Read(r.FinalCounters)),
    });
}
