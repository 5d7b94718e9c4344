namespace HilBridge.Scenarios.Tests;

public class ExpectationTests
{
    private static RunSummary Summary(long violations = 0, long fences = 1, bool? verified = true, RunOutcome outcome = RunOutcome.Completed) => new()
    {
        Outcome = outcome,
        DataVerified = verified,
        Bridge = new BridgeStatistics { Engine = new() { Violations = violations, Fences = fences } },
    };

    [Theory]
    [InlineData("violations", "== 0", 0, true)]
    [InlineData("violations", "0", 0, true)]
    [InlineData("violations", "> 0", 0, false)]
    [InlineData("violations", ">= 1", 3, true)]
    [InlineData("violations", "< 3", 3, false)]
    [InlineData("violations", "<= 3", 3, true)]
    [InlineData("violations", "!= 3", 3, false)]
    public void Evaluate_Comparison_ComparesActualValue(string metric, string condition, long violations, bool passes) =>
        Assert.Equal(passes, Expectation.Parse(metric, condition).Evaluate(Summary(violations)).Passed);

    [Fact]
    public void Evaluate_NoVerdictFromGuest_FailsWithActualNone()
    {
        var result = Expectation.Parse("dataVerified", "true").Evaluate(Summary(verified: null));
        Assert.False(result.Passed);
        Assert.Equal("none", result.Actual);
    }

    [Fact]
    public void Judge_FailedExpectation_NamesExpectedAndActual()
    {
        var scenario = Scenario.Default(1, 1) with { Expectations = [Expectation.Parse("violations", "== 0"), Expectation.Parse("fences", ">= 1")] };
        var judged = Judge.Run(Summary(violations: 2), scenario);
        Assert.Equal("failed", judged.Outcome.ToText());
        Assert.Contains("violations == 0 (actual 2)", judged.Reason);
        Assert.DoesNotContain("fences", judged.Reason);
    }

    [Fact]
    public void Judge_AbortedRun_StaysAbortedEvenWhenExpectationsHold()
    {
        var judged = Judge.Run(Summary(outcome: RunOutcome.Aborted) with { Reason = "QEMU exited" }, Scenario.Default(1, 1));
        Assert.Equal("aborted", judged.Outcome.ToText());
        Assert.False(judged.Passed);
        Assert.Equal("QEMU exited", judged.Reason);
    }
}
