using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>
/// The one verdict on a run, whoever asks: the live run (and so regress and soak, which judge by its
/// summary) and replay. An aborted run stays aborted; otherwise every expectation must hold, the scenario's and
/// the judge's own (<see cref="BridgeCarriedIo"/>).
/// </summary>
public static class Judge
{
    /// <summary>
    /// Expected of every run, whatever its scenario states: at least one virtio-blk request went through the
    /// bridge. A guest that verifies its data without one verified some other disk (or something else printed
    /// its result line), so its verdict says nothing about the device under test. Listed with the scenario's
    /// expectations (marked implicit), so summary.txt, the report and JUnit show it, not a hidden special case.
    /// </summary>
    public static readonly Expectation BridgeCarriedIo = new("requests", ">", 0);

    /// <summary>The reason of a run that fails <see cref="BridgeCarriedIo"/>.</summary>
    public const string NoBridgeIo = "no virtio-blk request reached the bridge: the guest's result does not witness the device under test";

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

    /// <summary>
    /// Evaluates every expectation, then <see cref="BridgeCarriedIo"/>; the reason names the ones that failed
    /// unless the run already had a reason. A replay judges the recorded request count (a device counter).
    /// </summary>
    public static RunSummary Verdict(RunSummary summary, IReadOnlyList<Expectation> expectations)
    {
        var results = expectations.Select(e => e.Evaluate(summary))
            .Append(BridgeCarriedIo.Evaluate(summary) with { Implicit = true })
            .ToList();
        var failed = results.Where(r => !r.Passed).ToList();
        var outcome = summary.Outcome == RunOutcome.Aborted ? RunOutcome.Aborted : failed.Count == 0 ? RunOutcome.Passed : RunOutcome.Failed;
        return summary with { Outcome = outcome, Reason = summary.Reason ?? Reason(failed), Expectations = results };
    }

    private static string? Reason(List<ExpectationResult> failed)
    {
        var stated = failed.Where(r => !r.Implicit).ToList();
        var parts = new List<string>(2);
        if (failed.Count > stated.Count)
        {
            parts.Add(NoBridgeIo);
        }

        if (stated.Count > 0)
        {
            parts.Add("expectation not met: " + string.Join("; ", stated));
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
