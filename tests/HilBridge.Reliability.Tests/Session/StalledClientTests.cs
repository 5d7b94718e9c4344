using HilBridge.Fuzz.Driver;
using HilBridge.Fuzz.Targets.Session;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Reliability.Tests.Session;

/// <summary>
/// One stalled client cannot starve the others: against the real bridge, a client that sends three
/// header bytes and then nothing (or nothing at all) is either replaced by the next front-end at once
/// (the newest takes over) or closed by its timeout, and a front-end doing a full handshake and I/O is served.
/// </summary>
public sealed class StalledClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-stall-").FullName;
    private readonly LogCollector _logs = new();
    private readonly List<LogEntry> _seen = [];
    private VhostBlkBridge? _bridge;

    [Fact]
    public void Stalled_ThreeHeaderBytesThenSilence_NextFrontendTakesOverAndIsServed()
    {
        // Timeouts far longer than the test: only the takeover can let the real front-end in.
        var socket = StartBridge(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        using var stalled = new VhostUserEndpoint(UnixSocket.Connect(socket));
        RawWire.Send(stalled.Socket, [1, 0, 0], []);
        Assert.True(WaitForLog("VhostUserServer", 102), "the stalled client was never accepted");

        using (var driver = BlkDriver.Connect(socket))
        {
            var data = Enumerable.Range(0, 4096).Select(i => (byte)(i * 3)).ToArray();
            Assert.True(driver.WriteSectors(24, data));
            Assert.Equal(data, driver.ReadSectors(24, data.Length));
        }

        Assert.True(WaitForLog("VhostUserServer", 105), "the takeover was not logged");
        Assert.True(WaitForLog("VhostUserSession", 2, "replaced by a newer front-end connection"));
        AssertClosedByBridge(stalled);
    }

    [Fact]
    public void Stalled_ThreeHeaderBytesAlone_ClosedAfterMessageTimeoutAndLogged()
    {
        var socket = StartBridge(TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(300));
        using var stalled = new VhostUserEndpoint(UnixSocket.Connect(socket));
        RawWire.Send(stalled.Socket, [1, 0, 0], []);

        AssertClosedByBridge(stalled);
        Assert.True(WaitForLog("VhostUserSession", 16, "3 of 12 bytes"), "the mid-message timeout was not logged");
        using var driver = BlkDriver.Connect(socket);
        Assert.NotNull(driver.ReadSectors(0, 512));
    }

    [Fact]
    public void Idle_ConnectedWithoutHandshake_ClosedAfterHandshakeTimeoutAndLogged()
    {
        var socket = StartBridge(TimeSpan.FromMilliseconds(300), TimeSpan.FromMinutes(5));
        using var idle = new VhostUserEndpoint(UnixSocket.Connect(socket));

        AssertClosedByBridge(idle);
        Assert.True(WaitForLog("VhostUserSession", 16, "SET_OWNER did not come"), "the handshake timeout was not logged");
    }

    [Fact]
    public void Idle_AfterSetOwner_KeptOpenPastTheHandshakeTimeout()
    {
        // QEMU connects at start-up and starts the device only when the guest does: that idle is legitimate.
        // The timeout leaves a loaded machine 2 s between the accept and SET_OWNER (200 ms was a race).
        var socket = StartBridge(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));
        using var frontend = VhostUserFrontend.Connect(socket);
        frontend.ReplyTimeout = TimeSpan.FromSeconds(10);
        frontend.GetFeatures();
        frontend.SetOwner();

        Thread.Sleep(4000);

        Assert.NotEqual(0UL, frontend.GetFeatures());
    }

    private string StartBridge(TimeSpan handshake, TimeSpan message)
    {
        var socket = Path.Combine(_dir, "vhost.sock");
        _bridge = new VhostBlkBridge(
            new BridgeOptions { DiskImage = Path.Combine(_dir, "disk.img"), DiskSizeBytes = 1 << 20, HandshakeTimeout = handshake, MessageTimeout = message },
            _logs, TimeProvider.System);
        _bridge.Start(socket);
        return socket;
    }

    /// <summary>The bridge closed the connection: a read sees end-of-stream (or a reset), not a timeout.</summary>
    private static void AssertClosedByBridge(VhostUserEndpoint connection)
    {
        connection.SetReceiveTimeout(TimeSpan.FromSeconds(20));
        try
        {
            Assert.False(connection.TryReceive(out _, out _, out var fds), "the bridge sent something to a stalled client");
            fds.Dispose();
        }
        catch (VhostUserTransportException e) when (e.IsDisconnect)
        {
        }
        catch (TimeoutException)
        {
            Assert.Fail("the bridge kept the stalled connection open");
        }
    }

    private bool WaitForLog(string category, int eventId, string? text = null)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            _seen.AddRange(_logs.Drain());
            if (_seen.Any(e => e.Category == category && e.EventId == eventId && (text is null || e.Message.Contains(text, StringComparison.Ordinal))))
            {
                return true;
            }

            Thread.Sleep(10);
        }
        return false;
    }

    public void Dispose()
    {
        _bridge?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
