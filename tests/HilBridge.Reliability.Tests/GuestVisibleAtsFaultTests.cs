using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Device;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using HilBridge.Reliability.Tests.TestSupport;
using HilBridge.Scenarios;

namespace HilBridge.Reliability.Tests;

/// <summary>
/// Faults with guest-visible ATS (patched QEMU: the guest's own SMMU driver sends CMD_ATC_INV over the
/// SMMU's ATS port): the bridge restarted under the guest's I/O, with the ATS port reconnecting and the
/// SMMU sending its outstanding invalidations again; QEMU killed, and a new one served by the same
/// bridge. QEMU's own trace is the judge: every ATC_INV it forwarded was completed (smmuv3_ats_complete),
/// none timed out (smmuv3_ats_timeout), none completed twice or for a tag not outstanding
/// (smmuv3_ats_complete_unknown), and the guest's data verifies.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class GuestVisibleAtsFaultTests(ITestOutputHelper output)
{
    private static readonly string[] AtsTraceEvents = ["smmuv3_ats_forward", "smmuv3_ats_complete", "smmuv3_ats_complete_unknown", "smmuv3_ats_timeout", "smmuv3_ats_port_event"];

    // Every 10th invalidation completes 300 ms late (under the guest's 1 s CMD_SYNC poll): a restart
    // now and then finds one outstanding, and the guest still gets on (each delay stalls its unmaps).
    private static readonly EngineOptions SlowDevice = new()
    {
        FencePolicy = FencePolicy.Hope,
        InvalidationTimeout = TimeSpan.FromSeconds(20),
        Policy = new FaultPolicy(new FaultRule { Name = "slow", EveryNth = 10, Delay = Distribution.Fixed(0.3) }),
    };

    [Fact]
    public async Task BridgeRestart_AtsPortReconnects_OutstandingInvalidationsResentNoneLostOrDoubled()
    {
        using var guest = await BootAsync("hb.mode=verify hb.rounds=3 hb.blocks=128", reconnectSeconds: 1);
        Assert.NotNull(await guest.WaitForAsync("start", TimeSpan.FromSeconds(180)));

        long received = 0;
        var restarts = 0;
        var caughtOutstanding = 0;
        while (restarts < 3 || (caughtOutstanding == 0 && restarts < 8))
        {
            // Some guest progress on each bridge, then the restart at a moment an invalidation is outstanding
            // (every 10th is held 300 ms): waited for, not sampled at a fixed time, which on a loaded machine
            // can miss every window. The bound only catches a guest whose invalidations stopped.
            await Task.Delay(restarts == 0 ? 1500 : 2500);
            Assert.True(
                await Poll.UntilAsync(() => Outstanding(guest.AtsPort!.Statistics()) > 0 || guest.Reports.Any(r => r.Kind == "result"), TimeSpan.FromMinutes(3)),
                $"no invalidation outstanding on bridge {restarts + 1} in 3 minutes: {guest.AtsPort!.Statistics()}");
            if (guest.Reports.Any(r => r.Kind == "result"))
            {
                break;
            }

            var stats = guest.AtsPort!.Statistics();
            var outstanding = Outstanding(stats);
            received += stats.AtcInvalidations;
            caughtOutstanding += outstanding > 0 ? 1 : 0;
            guest.RestartBridge();
            restarts++;
            guest.Log($"restart {restarts}: {stats.AtcInvalidations} ATC_INV received, {outstanding} outstanding");
            Assert.True(await Poll.UntilAsync(() => guest.AtsPort!.Statistics().Connections > 0, TimeSpan.FromSeconds(90)), "the SMMU did not reconnect to the new bridge's ATS port");
        }

        var result = await ResultAsync(guest);
        received += guest.AtsPort!.Statistics().AtcInvalidations;
        if (result is null)
        {
            Diagnose(guest);
        }

        await guest.Qemu.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)); // the guest powers off: QEMU's trace is flushed
        var forwarded = guest.TraceLines("smmuv3_ats_forward").Count;
        var completed = guest.TraceLines("smmuv3_ats_complete").Count;
        var unknown = guest.TraceLines("smmuv3_ats_complete_unknown");
        var timedOut = guest.TraceLines("smmuv3_ats_timeout");
        guest.Log($"{restarts} restarts ({caughtOutstanding} with invalidations outstanding); QEMU forwarded {forwarded} ATC_INV, completed {completed}; the bridges received {received}");

        Assert.NotNull(result);
        Assert.True(result.GetFlag("verified"), "guest data verification failed");
        Assert.True(caughtOutstanding >= 1, "no restart caught an outstanding invalidation: resending was not exercised");
        Assert.True(received > forwarded, $"the bridges received {received} ATC_INV for {forwarded} forwarded: none was sent again after a reconnect");
        Assert.Equal(forwarded, completed);
        Assert.Empty(unknown);
        Assert.Empty(timedOut);
    }

    [Fact]
    public async Task QemuKilled_AtsPortOutstanding_NextQemuServedWithoutStaleCompletions()
    {
        using var guest = await BootAsync("hb.mode=verify hb.rounds=30 hb.blocks=256", reconnectSeconds: null);
        Assert.NotNull(await guest.WaitForAsync("start", TimeSpan.FromSeconds(180)));
        // 50 come 3-7 s after the start line on this machine; the bound only catches a guest that stopped.
        Assert.True(await Poll.UntilAsync(() => guest.AtsPort!.Statistics().AtcInvalidations > 50, TimeSpan.FromMinutes(4)), "no ATC invalidations before the kill");
        var before = guest.AtsPort!.Statistics();
        await guest.KillQemuAsync();
        guest.Log($"killed with {before.AtcInvalidations} ATC_INV received, {before.CompletionsSent} completed");

        // The same bridge and ATS port serve a new QEMU, whose tags start again at 1: a completion
        // still queued for the dead one would complete a new invalidation it does not answer.
        guest.LaunchQemu("hb.mode=verify hb.rounds=2 hb.blocks=128");
        var result = await ResultAsync(guest);
        if (result is null)
        {
            Diagnose(guest);
        }

        await guest.Qemu.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var after = guest.AtsPort!.Statistics();
        var forwarded = guest.TraceLines("smmuv3_ats_forward").Count;
        var completed = guest.TraceLines("smmuv3_ats_complete").Count;
        guest.Log($"second QEMU: forwarded {forwarded} ATC_INV, completed {completed}; the port: {after.Connections} connections, {after.AtcInvalidations} ATC_INV, {after.CompletionsSent} completed, {after.CompletionsDropped} dropped");

        Assert.NotNull(result);
        Assert.True(result.GetFlag("verified"), "the second guest's data verification failed");
        Assert.Equal(2, after.Connections);
        Assert.True(forwarded > 0, "the second QEMU forwarded no ATC_INV");
        Assert.Equal(forwarded, completed);
        Assert.Empty(guest.TraceLines("smmuv3_ats_complete_unknown"));
        Assert.Empty(guest.TraceLines("smmuv3_ats_timeout"));
    }

    /// <summary>
    /// The guest's result, waiting as long as the guest makes progress (a report, or ATC invalidations
    /// reaching the port, every 60 s at least; a loaded machine runs the UEFI guest slowly), 15 min at most.
    /// </summary>
    private static async Task<Live.Guest.GuestReport?> ResultAsync(LiveGuest guest)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (DateTime.UtcNow < deadline)
        {
            var seen = (guest.Reports.Count, guest.AtsPort?.Statistics().AtcInvalidations);
            if (await guest.WaitForAsync(r => r.Kind == "result", TimeSpan.FromSeconds(60)) is { } result)
            {
                return result;
            }

            if ((guest.Reports.Count, guest.AtsPort?.Statistics().AtcInvalidations) == seen || guest.Qemu.HasExited)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>ATC invalidations of the guest's stream the port received and has not answered yet.</summary>
    private static long Outstanding(AtsPortStatistics stats) =>
        stats.AtcInvalidations - stats.OtherStreamInvalidations - stats.CompletionsSent - stats.CompletionsWithheld;

    /// <summary>Where a guest that stopped reporting stands: its console's last lines, QEMU's ATS trace, the port.</summary>
    private static void Diagnose(LiveGuest guest)
    {
        guest.Log($"no result; the port: {guest.AtsPort?.Statistics()}");
        guest.Log($"bridge: {guest.Bridge.Statistics()}");
        foreach (var line in guest.ConsoleLines.TakeLast(40))
        {
            guest.Log("[console] " + line);
        }

        foreach (var line in (guest.TraceFile is { } f && File.Exists(f) ? File.ReadLines(f).TakeLast(60) : []))
        {
            guest.Log("[trace] " + line);
        }
    }

    private async Task<LiveGuest> BootAsync(string workload, int? reconnectSeconds)
    {
        var scripts = new RepositoryLayout(new HostPathsOptions()).FindScriptsDirectory();
        var qemu = await PatchedQemuProvider.EnsureAsync(scripts, line => output.WriteLine(line), CancellationToken.None);
        // The SMMU's own timeout well above a restart's gap: outstanding invalidations wait for the new bridge.
        var ats = new LiveGuestAts(qemu, new GuestVisibleAtsOptions { AtcInvalidationTimeout = TimeSpan.FromSeconds(20) }, AtsTraceEvents);
        return await LiveGuest.BootAsync(output, workload, reconnectSeconds, new BridgeOptions { Engine = SlowDevice }, ats: ats);
    }
}
