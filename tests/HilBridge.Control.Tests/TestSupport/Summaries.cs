using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.TestSupport;

/// <summary>Run summaries as a live run would produce them, judged against a scenario's expectations.</summary>
public static class Summaries
{
    public static RunSummary Completed(BridgeStatistics bridge, bool dataVerified = true, string? reason = null) => new()
    {
        Outcome = reason is null ? RunOutcome.Completed : RunOutcome.Aborted,
        Reason = reason,
        DataVerified = dataVerified,
        Rounds = 3,
        RoundsVerified = dataVerified ? 3 : 0,
        Bridge = bridge,
    };

    /// <summary>What LiveRunner does after a run: every expectation evaluated, the outcome decided.</summary>
    public static RunSummary Judged(RunSummary summary, Scenario scenario) => Judge.Run(summary, scenario);
}
