using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Tests;

public class JudgeTests
{
    private static readonly IReadOnlyList<Expectation> NoViolations = [Expectation.Parse("violations", "== 0")];

    private static RunSummary Summary(RunOutcome outcome, long violations, string? reason = null) => new()
    {
        Outcome = outcome,
        Reason = reason,
        Bridge = new BridgeStatistics { Requests = 7, Engine = new() { Violations = violations } },
    };

    [Fact]
    public void Verdict_EveryExpectationHolds_Passed()
    {
        var judged = Judge.Verdict(Summary(RunOutcome.Completed, violations: 0), NoViolations);

        Assert.Equal(RunOutcome.Passed, judged.Outcome);
        Assert.Null(judged.Reason);
        Assert.True(Assert.Single(judged.Expectations).Passed);
    }

    [Fact]
    public void Verdict_NoExpectations_Passed()
    {
        Assert.Equal(RunOutcome.Passed, Judge.Verdict(Summary(RunOutcome.Completed, violations: 3), []).Outcome);
    }

    [Fact]
    public void Replay_ReplayedCountersBreakExpectation_FailedWithRecordedDeviceCounters()
    {
        var recorded = Summary(RunOutcome.Passed, violations: 0) with { Expectations = [] };

        var judged = Judge.Replay(recorded, RunOutcome.Passed, new EngineCounterSnapshot { Violations = 2 }, NoViolations);

        Assert.Equal(RunOutcome.Failed, judged.Outcome);
        Assert.Equal(2, judged.Bridge.Engine.Violations);
        Assert.Equal(7, judged.Bridge.Requests);
        Assert.Equal("2", Assert.Single(judged.Expectations).Actual);
    }

    [Fact]
    public void Replay_RecordedRunFailedButReplayHolds_PassedAndReasonCleared()
    {
        var recorded = Summary(RunOutcome.Failed, violations: 1, reason: "expectation not met: violations");

        var judged = Judge.Replay(recorded, RunOutcome.Failed, new EngineCounterSnapshot(), NoViolations);

        Assert.Equal(RunOutcome.Passed, judged.Outcome);
        Assert.Null(judged.Reason);
    }

    [Fact]
    public void Replay_RecordedRunAborted_StaysAbortedWithItsReason()
    {
        var recorded = Summary(RunOutcome.Aborted, violations: 0, reason: "QEMU exited");

        var judged = Judge.Replay(recorded, RunOutcome.Aborted, new EngineCounterSnapshot(), NoViolations);

        Assert.Equal(RunOutcome.Aborted, judged.Outcome);
        Assert.Equal("QEMU exited", judged.Reason);
    }
}
