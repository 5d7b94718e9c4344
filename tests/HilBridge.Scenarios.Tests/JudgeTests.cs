using HilBridge.Core.Dma;
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
        Assert.All(judged.Expectations, e => Assert.True(e.Passed));
        Assert.Equal([false, true], judged.Expectations.Select(e => e.Implicit)); // the scenario's, then the judge's
    }

    [Fact]
    public void Verdict_GuestVerifiedButNoRequestThroughTheBridge_FailedOnTheImplicitExpectation()
    {
        var summary = Summary(RunOutcome.Completed, violations: 0) with { DataVerified = true, Bridge = new BridgeStatistics() };

        var judged = Judge.Verdict(summary, NoViolations);

        Assert.Equal(RunOutcome.Failed, judged.Outcome);
        Assert.Equal(Judge.NoBridgeIo, judged.Reason);
        var io = judged.Expectations[^1];
        Assert.True(io.Implicit);
        Assert.Equal("FAIL requests > 0 (actual 0), implicit in every run: the guest's I/O must go through the bridge", io.ToString());
        Assert.Contains("expect             FAIL requests > 0 (actual 0), implicit", judged.Render());
    }

    [Fact]
    public void Verdict_NoRequestAndAStatedExpectationFails_ReasonNamesBoth()
    {
        var summary = Summary(RunOutcome.Completed, violations: 2) with { Bridge = new BridgeStatistics { Engine = new() { Violations = 2 } } };

        var judged = Judge.Verdict(summary, NoViolations);

        Assert.Equal($"{Judge.NoBridgeIo}; expectation not met: FAIL violations == 0 (actual 2)", judged.Reason);
    }

    [Fact]
    public void Verdict_AbortedWithoutRequests_StaysAbortedWithItsReason()
    {
        var summary = Summary(RunOutcome.Aborted, violations: 0, reason: "QEMU exited") with { Bridge = new BridgeStatistics() };

        var judged = Judge.Verdict(summary, NoViolations);

        Assert.Equal(RunOutcome.Aborted, judged.Outcome);
        Assert.Equal("QEMU exited", judged.Reason);
    }

    [Fact]
    public void Replay_RecordedRunCarriedNoRequest_FailedWhateverTheReplayedEngineSays()
    {
        var recorded = Summary(RunOutcome.Passed, violations: 0) with { Bridge = new BridgeStatistics() };

        var judged = Judge.Replay(recorded, RunOutcome.Passed, new EngineCounterSnapshot(), NoStragglers, NoViolations);

        Assert.Equal(RunOutcome.Failed, judged.Outcome);
        Assert.Equal(Judge.NoBridgeIo, judged.Reason);
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

        var judged = Judge.Replay(recorded, RunOutcome.Passed, new EngineCounterSnapshot { Violations = 2 }, NoStragglers, NoViolations);

        Assert.Equal(RunOutcome.Failed, judged.Outcome);
        Assert.Equal(2, judged.Bridge.Engine.Violations);
        Assert.Equal(7, judged.Bridge.Requests);
        Assert.Equal("2", judged.Expectations[0].Actual);
    }

    [Fact]
    public void Replay_RecordedRunFailedButReplayHolds_PassedAndReasonCleared()
    {
        var recorded = Summary(RunOutcome.Failed, violations: 1, reason: "expectation not met: violations");

        var judged = Judge.Replay(recorded, RunOutcome.Failed, new EngineCounterSnapshot(), NoStragglers, NoViolations);

        Assert.Equal(RunOutcome.Passed, judged.Outcome);
        Assert.Null(judged.Reason);
    }

    [Fact]
    public void Replay_WhatIfRefusesTheStraggler_FindingNoLongerExplained()
    {
        var finding = new GuestFinding(1, 0, 0, 64, "", PoisonId: 1);
        var recorded = Summary(RunOutcome.Passed, violations: 1) with { GuestWitnessRounds = 1, GuestCorruptions = 1, GuestFindings = [finding] };
        var refused = new Dictionary<ulong, StragglerAccess>
        {
            [1] = new(40, 0x1000, 64, AccessKind.Write, 5, StragglerOutcome.RefusedFenced, 1, 0x9000),
        };

        var judged = Judge.Replay(recorded, RunOutcome.Passed, new EngineCounterSnapshot(), refused,
            [Expectation.Parse("guestCorruptionsUnmatched", "== 0")]);

        Assert.Equal(StragglerOutcome.RefusedFenced, Assert.Single(judged.GuestFindings).StragglerOutcome);
        Assert.Equal(RunOutcome.Failed, judged.Outcome); // the guest's finding stays; nothing the replay ran explains it
    }

    private static readonly Dictionary<ulong, StragglerAccess> NoStragglers = [];

    [Fact]
    public void Replay_RecordedRunAborted_StaysAbortedWithItsReason()
    {
        var recorded = Summary(RunOutcome.Aborted, violations: 0, reason: "QEMU exited");

        var judged = Judge.Replay(recorded, RunOutcome.Aborted, new EngineCounterSnapshot(), NoStragglers, NoViolations);

        Assert.Equal(RunOutcome.Aborted, judged.Outcome);
        Assert.Equal("QEMU exited", judged.Reason);
    }
}
