using HilBridge.Scenarios;

namespace HilBridge.EndToEnd.Tests;

/// <summary>Issue 3's scenarios against the real guest: each must give its declared verdict.</summary>
[Collection(LiveGuestCollection.Name)]
public sealed class ShippedScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DelayBelowTimeout_RealGuest_NoFenceNoViolationDataVerified()
    {
        var summary = await RunAsync("delay-below-timeout");
        // Without injected delays every check below holds for a healthy device too: they must have happened.
        Assert.True(summary.Bridge.Engine.InvalidationsDelayed > 0, "no completion was delayed");
        Assert.True(summary.Bridge.Engine.AckLatencyP99 >= TimeSpan.FromMilliseconds(1), $"model ack latency p99 {summary.Bridge.Engine.AckLatencyP99}: the delays did not reach the acks");
        Assert.Equal(0, summary.Bridge.Engine.Fences);
        Assert.Equal(0, summary.Bridge.Engine.Violations);
        Assert.True(summary.DataVerified);
    }

    [Fact]
    public async Task StragglersHope_RealGuest_GuestFindsTheUseAfterFree()
    {
        var summary = await RunAsync("stragglers-hope");
        WitnessAssert.GuestSawEachViolatingStraggler(summary);
        Assert.Equal(0, summary.Bridge.Engine.Fences);
    }

    [Fact]
    public async Task StragglersFence_RealGuest_FencesRecoversWithoutViolation()
    {
        var summary = await RunAsync("stragglers-fence");
        WitnessAssert.NothingCorrupted(summary);
        Assert.Equal(0, summary.Bridge.StragglerBytesWritten);
        Assert.True(summary.Bridge.Engine.Fences >= 1);
        Assert.True(summary.Bridge.Engine.Unfences >= 1, "unfence needs the guest's fresh attach");
        Assert.True(summary.Bridge.Engine.StragglersRefused >= 1);
        Assert.True(summary.GuestRecoveries >= 1);
        Assert.True(summary.DataVerified, "data written after recovery must verify");
        Assert.NotNull(summary.Bridge.Engine.LastRecoveryTime);
    }

    [Fact]
    public async Task DropFence_RealGuest_FencesAtTimeoutAndRecovers()
    {
        var summary = await RunAsync("drop-fence");
        WitnessAssert.NothingCorrupted(summary);
        Assert.True(summary.Bridge.Engine.InvalidationsTimedOut >= 1);
        Assert.True(summary.Bridge.Engine.Fences >= 1 && summary.Bridge.Engine.Unfences >= 1);
        Assert.True(summary.DataVerified);
    }

    private async Task<Scenarios.RunSummary> RunAsync(string name)
    {
        var scenario = ScenarioLoader.Load(LiveRun.ScenarioPath(name));
        var summary = await LiveRun.ExecuteAsync(scenario, output);
        Assert.True(summary.Passed, $"{name}: {summary.Reason}");
        Assert.All(summary.Expectations, e => Assert.True(e.Passed, e.ToString()));
        return summary;
    }
}
