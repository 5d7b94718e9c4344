using System.Globalization;
using System.Text.Json;
using HilBridge.Host.Run;
using HilBridge.Host.Scenarios;
using HilBridge.Trace.Analysis;
using HilBridge.Trace.Proto;
using HilBridge.Trace.Replay;

namespace HilBridge.Cli;

/// <summary>
/// Judges a replay the way LiveRunner judged the live run: the recorded run summary with its engine
/// counters replaced by the replayed engine's (at the same point of the trace), against the scenario's
/// expectations stored in the trace header. Guest-side facts (data verified, recoveries) stay as recorded.
/// </summary>
public sealed record TraceVerdict(string Recorded, string Replayed, IReadOnlyList<ExpectationResult> Expectations)
{
    public bool Same => Recorded == Replayed;

    /// <summary>Null when the trace has no run summary (an import, or a run that crashed).</summary>
    public static TraceVerdict? Judge(ReplayResult replay, TraceHeader header)
    {
        if (replay.RunEnd is not { } end || end.SummaryJson.Length == 0)
        {
            return null;
        }

        RunSummary? recorded;
        try
        {
            recorded = JsonSerializer.Deserialize<RunSummary>(end.SummaryJson);
        }
        catch (JsonException)
        {
            return null;
        }

        if (recorded is null)
        {
            return null;
        }

        var c = replay.CountersAtRunEnd ?? replay.FinalCounters;
        var bridge = recorded.Bridge with { Engine = c };
        bool aborted = end.Outcome == "aborted";
        var summary = recorded with { Bridge = bridge, Outcome = aborted ? "aborted" : "completed", Reason = aborted ? recorded.Reason : null };
        List<ExpectationResult> expectations;
        try
        {
            expectations = header.Expectations
                .Select(x => Expectation.Parse(x.Metric, $"{x.Operator} {x.Value.ToString(CultureInfo.InvariantCulture)}"))
                .Select(x => x.Evaluate(summary))
                .ToList();
        }
        catch (ScenarioException)
        {
            return null; // a metric this build does not know (a trace from a newer version)
        }

        var outcome = aborted ? "aborted" : expectations.All(x => x.Passed) ? "passed" : "failed";
        return new TraceVerdict(end.Outcome, outcome, expectations);
    }
}
