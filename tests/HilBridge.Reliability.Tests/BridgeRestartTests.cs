using HilBridge.Live.Guest;
using HilBridge.Reliability.Tests.TestSupport;

namespace HilBridge.Reliability.Tests;

/// <summary>
/// The bridge goes away under guest load and a new one takes over the same socket and disk while QEMU
/// keeps running (-chardev reconnect=1): the guest's requests stall, then resume; in-flight ones are
/// resubmitted (INFLIGHT_SHMFD); the guest's own data verification must pass every round.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class BridgeRestartTests(ITestOutputHelper output)
{
    private const int Rounds = 10;

    // Each round is 512 4-KiB writes and 512 reads, one request at a time: ~1,024 requests.
    private const int RequestsPerBridge = 150;

    // The guest boots in ~8 s on an idle machine; the bound only catches a guest that never starts.
    private static readonly TimeSpan BootBound = TimeSpan.FromSeconds(240);

    // A round takes 3-9 s on this machine under CI's load; the bound only catches a guest that stopped.
    private static readonly TimeSpan RoundBound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Restart_BridgeReplacedUnderGuestIo_InFlightResubmittedNoDataLostOrCorrupted()
    {
        using var guest = await LiveGuest.BootAsync(output, $"hb.mode=verify hb.rounds={Rounds} hb.blocks=512", reconnectSeconds: 1);
        Assert.NotNull(await guest.WaitForAsync("start", BootBound));

        long resubmitted = 0;
        var requestsBefore = 0L;
        var restarts = 0;
        // Restart each bridge once it has served RequestsPerBridge of the guest's requests, each time under
        // a request the device is in the middle of, at least three times and until one restart caught a
        // request before it completed. Paced by the guest's requests, not by the clock: 8 restarts take
        // ~1,200 of the ~10,000 requests the guest's rounds make, so it cannot finish first, however slow
        // or fast the machine is.
        while (restarts < 3 || (resubmitted == 0 && restarts < 8))
        {
            Assert.True(
                await Poll.UntilAsync(() => guest.Bridge.Statistics().Requests >= RequestsPerBridge || guest.Reports.Any(r => r.Kind == "result"), TimeSpan.FromMinutes(3)),
                $"the guest's I/O stalled on bridge {restarts + 1}: {guest.Bridge.Statistics().Requests} requests in 3 minutes");
            if (guest.Reports.Any(r => r.Kind == "result"))
            {
                break;
            }

            var stats = guest.Bridge.Statistics();
            requestsBefore += stats.Requests;
            resubmitted += stats.RequestsResubmitted;
            var caught = CatchInFlight(guest, TimeSpan.FromSeconds(10));
            guest.RestartBridge();
            restarts++;
            guest.Log($"restart {restarts} {(caught ? "with a request in flight" : "between requests")}");
            // QEMU reconnects within a second and restarts the device on the new bridge (slower on a loaded machine).
            Assert.True(await Poll.UntilAsync(() => guest.Bridge.Statistics().DeviceStarts > 0, TimeSpan.FromSeconds(90)), "QEMU did not reconnect to the new bridge");
        }

        var result = await guest.WaitForResultAsync(RoundBound);
        var final = guest.Bridge.Statistics();
        resubmitted += final.RequestsResubmitted;
        guest.Log($"{restarts} restarts; requests: {requestsBefore} before them, {final.Requests} on the last bridge; {resubmitted} resubmitted");

        Assert.NotNull(result);
        Assert.Equal(Rounds, result.GetLong("rounds"));
        Assert.True(result.GetFlag("verified"), $"guest data verification failed: {string.Join(" | ", guest.Reports.Where(r => r.Kind == "round").Select(Describe))}");
        Assert.Equal(0, guest.Reports.Count(r => r.Kind == "ioerror"));
        Assert.Equal(0, final.RequestErrors);
        Assert.True(restarts >= 3, $"only {restarts} restarts before the guest finished");
        Assert.True(resubmitted >= 1, "no restart caught a request in flight: resubmission was not exercised");
        Assert.True(final.Requests > 0, "the last bridge served nothing: the guest finished before it?");
    }

    [Fact]
    public async Task Restart_BridgeProcessKilledHardUnderGuestIo_NoDataLostOrCorrupted()
    {
        // `hilbridge serve` as a child process, killed with SIGKILL: no halt, no goodbye, a stale socket file.
        ServeProcess? serve = null;
        using var guest = await LiveGuest.BootAsync(output, "hb.mode=verify hb.rounds=8 hb.blocks=512", reconnectSeconds: 1,
            startBridge: async g => serve = await ServeProcess.StartAsync(g.SocketPath, g.DiskPath, g.Log));
        try
        {
            Assert.NotNull(await guest.WaitForAsync("start", BootBound));
            for (var kill = 1; kill <= 3 && !guest.Reports.Any(r => r.Kind == "result"); kill++)
            {
                await Task.Delay(kill == 1 ? 700 : 2500);
                serve!.KillHard();
                guest.Log($"== bridge process killed (kill {kill}) ==");
                serve.Dispose();
                serve = await ServeProcess.StartAsync(guest.SocketPath, guest.DiskPath, guest.Log);
                guest.Log("== new bridge process serving ==");
            }

            var result = await guest.WaitForResultAsync(RoundBound);

            Assert.NotNull(result);
            Assert.True(result.GetFlag("verified"), $"guest data verification failed: {string.Join(" | ", guest.Reports.Where(r => r.Kind == "round").Select(Describe))}");
            Assert.Equal(8, result.GetLong("rounds"));
            Assert.Equal(0, guest.Reports.Count(r => r.Kind == "ioerror"));
        }
        finally
        {
            serve?.Dispose();
        }
    }

    /// <summary>Spins until the device has popped a request it has not completed yet (true), or gives up.</summary>
    private static bool CatchInFlight(LiveGuest guest, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (guest.Bridge.RequestsInFlight == 0)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            Thread.SpinWait(10);
        }
        return true;
    }

    private static string Describe(GuestReport r) => $"round {r.Get("n")} verified={r.Get("verified")} write_ok={r.Get("write_ok")} read_ok={r.Get("read_ok")}";
}
