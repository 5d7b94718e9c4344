using HilBridge.Live.Run;
using HilBridge.Scenarios;

namespace HilBridge.EndToEnd.Tests;

/// <summary>
/// Issue 8 against the real guest: the patched QEMU (qemu-scripts/build-qemu.sh, cached) shows ATS to
/// the stock Debian 6.1 kernel, whose own arm-smmu-v3 driver sends CMD_ATC_INV over the SMMU's ATS
/// port to the bridge and waits for the completions the scenario's fault policy delays or drops.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class GuestVisibleAtsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DelayBelowTimeout_StockGuest_CompletionsArriveLateButInTime()
    {
        var summary = await RunAsync("ats-delay-below-timeout");
        var ats = summary.AtsPort!;
        // Every guest ATC_INV crossed the port and was completed by the device model, some of them late.
        Assert.True(ats.AtcInvalidations > 1000, $"only {ats.AtcInvalidations} ATC_INV");
        Assert.Equal(ats.AtcInvalidations, ats.CompletionsSent);
        Assert.True(ats.CompletionDelayMax >= TimeSpan.FromMilliseconds(50), $"injected delays not seen: max {ats.CompletionDelayMax}");
        Assert.True(ats.SyncWaitMax >= TimeSpan.FromMilliseconds(50), "the guest's CMD_SYNC must have waited for the late completions");
        Assert.Equal(0, ats.SmmuTimeouts);
        Assert.Empty(summary.GuestTimeoutMessages);
        Assert.Equal(0, summary.Bridge.Engine.Violations);
        Assert.True(summary.DataVerified);
        Assert.Equal(0x100u, summary.StreamId);
    }

    [Fact]
    public async Task StragglersPastTimeout_StockGuest_LogsTimeoutsAndUseAfterFreeIsReported()
    {
        var summary = await RunAsync("ats-stragglers-timeout");
        var ats = summary.AtsPort!;
        Assert.True(ats.SmmuTimeouts >= 1 && ats.SyncErrors >= 1, "the SMMU must fail the stuck invalidation with CERROR_ATC_INV_SYNC");
        Assert.True(ats.CompletionsWithheld >= 1, "the device never answered the stuck invalidation");
        // The guest's own driver said so on its console.
        Assert.True(summary.GuestAtcInvalidateTimeouts >= 1, "no 'ATC invalidate timeout' from the guest");
        Assert.True(summary.GuestCmdSyncTimeouts >= 1, "no 'CMD_SYNC timeout' from the guest");
        Assert.Contains(summary.GuestTimeoutMessages, m => m.Contains("ATC invalidate timeout") || m.Contains("CMD_SYNC timeout"));
        // 6.1 fences nothing: the late write through the stale translation is a use-after-free.
        Assert.True(summary.Bridge.Engine.Violations >= 1);
        Assert.Contains(summary.ViolationDetails, v => v.Source == "Straggler" && v.StreamId == "0x100");
        WitnessAssert.GuestSawEachViolatingStraggler(summary);
        Assert.Equal(0, summary.Bridge.Engine.Fences);
    }

    [Fact]
    public async Task DroppedCompletions_StockGuest_SmmuTimesOutAndGuestCarriesOn()
    {
        var summary = await RunAsync("ats-drop");
        var ats = summary.AtsPort!;
        // Each lost completion is one the engine withheld and the SMMU timed out; more timeouts may follow
        // when the device then stalls on a request it read through the stale translation.
        Assert.True(ats.CompletionsWithheld >= 1);
        Assert.True(ats.SmmuTimeouts >= ats.CompletionsWithheld);
        Assert.True(summary.GuestAtcInvalidateTimeouts >= 1);
        Assert.NotNull(summary.DataVerified); // the guest moved on past every timeout and finished its workload
        Assert.Equal(0, summary.Bridge.Engine.Fences);
    }

    private async Task<RunSummary> RunAsync(string name)
    {
        var scenario = ScenarioLoader.Load(LiveRun.ScenarioPath(name));
        var summary = await LiveRun.ExecuteAsync(scenario, output);
        Assert.True(summary.Passed, $"{name}: {summary.Reason}");
        Assert.All(summary.Expectations, e => Assert.True(e.Passed, e.ToString()));
        Assert.NotNull(summary.AtsPort);
        return summary;
    }
}
