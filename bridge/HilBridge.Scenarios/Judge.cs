using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>
/// The one verdict on a run, whoever asks: the live run (and so regress and soak, which judge by its
/// summary) and replay. An aborted run stays aborted; otherwise every expectation must hold.
/// </summary>
public static class Judge
{
    /// <summary>A finished live run against its scenario: the summary with the scenario's name, outcome, reason and expectation results.</summary>
    public static RunSummary Run(RunSummary summary, Scenario scenario) =>
        Verdict(summary, scenario.Expectations) with { Scenario = scenario.Name };

    /// <summary>
    /// A recorded run judged again on replayed counters: the recorded summary with its engine counters
    /// replaced by the replayed engine's, against the expectations the trace recorded. Guest-side facts
    /// (data verified, recoveries, the guest's findings) and the device's own counters stay as recorded; the
    /// findings are matched again to the replayed stragglers (<paramref name="replayedStragglers"/>, by id),
    /// so a what-if says which of them its engine would have refused.
    /// </summary>
    public static RunSummary Replay(RunSummary recorded, RunOutcome recordedOutcome, EngineCounterSnapshot replayed,
        IReadOnlyDictionary<ulong, StragglerAccess> replayedStragglers, IReadOnlyList<Expectation> expectations)
    {
        var aborted = recordedOutcome == RunOutcome.Aborted;
        var unjudged = recorded with
        {
            Bridge = recorded.Bridge with { Engine = replayed },
            GuestFindings = GuestFinding.Match(recorded.GuestFindings, replayedStragglers),
            Outcome = aborted ? RunOutcome.Aborted : RunOutcome.Completed,
            Reason = aborted ? recorded.Reason : null,
        };
        return Verdict(unjudged, expectations);
    }

    /// <summary>Evaluates every expectation; the reason names the ones that failed unless the run already had a reason.</summary>
    public static RunSummary Verdict(RunSummary summary, IReadOnlyList<Expectation> expectations)
    {
        var results = expectations.Select(e => e.Evaluate(summary)).ToList();
        var failed = results.Where(r => !r.Passed).ToList();
        var outcome = summary.Outcome == RunOutcome.Aborted ? RunOutcome.Aborted : failed.Count == 0 ? RunOutcome.Passed : RunOutcome.Failed;
        var reason = summary.Reason ?? (failed.Count == 0 ? null : "expectation not met: " + string.Join("; ", failed));
        return summary with { Outcome = outcome, Reason = reason, Expectations = results };
    }
}
