using HilBridge.Scenarios.Json;
using System.Globalization;
using System.Text.Json;
using HilBridge.Scenarios;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Replay;

namespace HilBridge.Live.Replay;

/// <summary>
/// Judges a replay the way the live run was judged (<see cref="Judge.Replay"/>): the recorded run summary
/// with its engine counters replaced by the replayed engine's (at the same point of the trace), against
/// the scenario's expectations stored in the trace header.
/// </summary>
public sealed record TraceVerdict(RunOutcome Recorded, RunOutcome Replayed, IReadOnlyList<ExpectationResult> Expectations)
{
    /// <summary>The guest's recorded findings, matched to the replayed stragglers.</summary>
    public IReadOnlyList<GuestFinding> GuestFindings { get; init; } = [];

    /// <summary>The recorded run's summary as the replay judges it (the replayed engine's counters and verdict).</summary>
    public RunSummary? Summary { get; init; }

    public bool Same => Recorded == Replayed;

    /// <summary>Null when the trace has no run summary (an import, or a run that crashed) or one this build cannot read.</summary>
    public static TraceVerdict? Judge(ReplayResult replay, TraceHeader header)
    {
        if (replay.RunEnd is not { } end || end.SummaryJson.Length == 0 || !RunOutcomeText.TryParse(end.Outcome, out var recordedOutcome))
        {
            return null;
        }

        RunSummary? recorded;
        try
        {
            recorded = ResultJson.ReadRunSummary(end.SummaryJson);
        }
        catch (JsonException)
        {
            return null;
        }

        if (recorded is null)
        {
            return null;
        }

        List<Expectation> expectations;
        try
        {
            expectations = header.Expectations
                .Select(x => Expectation.Parse(x.Metric, $"{x.Operator} {x.Value.ToString(CultureInfo.InvariantCulture)}"))
                .ToList();
        }
        catch (ScenarioException)
        {
            return null; // a metric this build does not know (a trace from a newer version)
        }

        var judged = Scenarios.Judge.Replay(recorded, recordedOutcome, replay.CountersAtRunEnd ?? replay.FinalCounters,
            replay.Replayed.StragglersById, expectations);
        return new TraceVerdict(recordedOutcome, judged.Outcome, judged.Expectations) { GuestFindings = judged.GuestFindings, Summary = judged };
    }
}
