using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Tests;

public class RunMetricsTests
{
    [Fact]
    public void Get_EveryEngineCounterName_ReadsTheEngineSnapshot()
    {
        var summary = new RunSummary
        {
            Outcome = RunOutcome.Completed,
            Bridge = new BridgeStatistics { Engine = new() { NegativeCompletions = 4, AtcEvictions = 9 } },
        };

        Assert.All(EngineCounterSnapshot.All, c => Assert.True(RunMetrics.IsKnown(c.Name), c.Name));
        Assert.Equal(4, RunMetrics.Get(summary, "negativeCompletions"));
        Assert.Equal(9, RunMetrics.Get(summary, "atcEvictions"));
    }

    [Fact]
    public void Get_EarlierMetricNames_StillKnown()
    {
        string[] earlier =
        [
            "aborted", "dataVerified", "atsInvalidations", "atsCompletions", "atsFailedCompletions", "atsWithheldCompletions",
            "smmuAtcTimeouts", "smmuSyncErrors", "steFences", "guestAtcTimeouts", "guestSyncTimeouts", "rounds", "roundsVerified",
            "guestIoErrors", "guestRecoveries", "requests", "requestErrors", "atcMisses", "atcHits", "invalidations",
            "invalidationsAcked", "invalidationsRefused", "invalidationsTimedOut", "fences", "unfences", "refusedAccesses",
            "violations", "stragglers", "stragglersRefused", "recoverySeconds", "steInvalidations",
        ];

        Assert.All(earlier, name => Assert.True(RunMetrics.IsKnown(name), name));
    }

    [Fact]
    public void Get_StragglersAndRecovery_ReadTheirEngineCounters()
    {
        var summary = new RunSummary
        {
            Outcome = RunOutcome.Completed,
            Bridge = new BridgeStatistics { Engine = new() { StragglersIssued = 5, LastRecoveryTime = TimeSpan.FromSeconds(2) } },
        };

        Assert.Equal(5, RunMetrics.Get(summary, "stragglers"));
        Assert.Equal(2, RunMetrics.Get(summary, "recoverySeconds"));
        Assert.Equal(0, RunMetrics.Get(summary, "aborted"));
    }
}
