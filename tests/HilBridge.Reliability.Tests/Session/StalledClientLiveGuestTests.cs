using HilBridge.Fuzz.Targets.Session;
using HilBridge.Reliability.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Reliability.Tests.Session;

/// <summary>
/// A client that sent three header bytes and went silent holds the bridge when the real QEMU connects:
/// QEMU takes over at once (the newest front-end wins) and the guest's data verification passes.
/// The bridge is the `hilbridge serve` process, with timeouts far longer than the run so only the takeover can help.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class StalledClientLiveGuestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stalled_ClientInFrontOfQemu_QemuTakesOverAndGuestVerifies()
    {
        ServeProcess? serve = null;
        VhostUserEndpoint? stalled = null;
        var environment = new Dictionary<string, string>
        {
            ["HILBRIDGE_SERVE__BRIDGE__HANDSHAKETIMEOUT"] = "00:10:00",
            ["HILBRIDGE_SERVE__BRIDGE__MESSAGETIMEOUT"] = "00:10:00",
        };
        try
        {
            using var guest = await LiveGuest.BootAsync(output, "hb.mode=verify hb.rounds=2 hb.blocks=256", startBridge: async g =>
            {
                serve = await ServeProcess.StartAsync(g.SocketPath, g.DiskPath, g.Log, environment, "--no-control");
                stalled = new VhostUserEndpoint(UnixSocket.Connect(g.SocketPath));
                RawWire.Send(stalled.Socket, [1, 0, 0], []);
                g.Log("== stalled client connected: 3 header bytes, then silence ==");
            });

            var result = await guest.WaitForAsync("result", TimeSpan.FromSeconds(240));

            Assert.NotNull(result);
            Assert.True(result.GetFlag("verified"), "guest data verification failed");
            Assert.Equal(2, result.GetLong("rounds"));
            Assert.False(serve!.HasExited);
        }
        finally
        {
            stalled?.Dispose();
            serve?.Dispose();
        }
    }
}
