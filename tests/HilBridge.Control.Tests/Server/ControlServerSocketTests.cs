using System.Net.Sockets;
using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Control.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Control.Tests.Server;

/// <summary>The control socket's path after a bridge was killed hard, and while another one serves it.</summary>
public sealed class ControlServerSocketTests
{
    [Fact]
    public async Task Start_StaleSocketFileOfAKilledBridge_Replaced()
    {
        using var bridge = new TestBridge();
        var path = Path.Combine(bridge.Directory, "control.sock");
        // A socket file with no listener, as kill -9 leaves it. (.NET unlinks on close: bind elsewhere, move it here.)
        var elsewhere = path + ".bound";
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(elsewhere));
            File.Move(elsewhere, path);
        }

        Assert.True(File.Exists(path));
        using var device = new ControlDevice("hbdev", bridge.Bridge, TimeSpan.FromSeconds(1));
        await using var server = await ControlServer.StartAsync(new ControlEndpoint.UnixSocket(path), Plane(device), NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(path, server.Address);
    }

    [Fact]
    public async Task Start_SocketServedByAnotherBridge_RefusedAndLeftAlone()
    {
        using var bridge = new TestBridge();
        var path = Path.Combine(bridge.Directory, "control.sock");
        using var device = new ControlDevice("hbdev", bridge.Bridge, TimeSpan.FromSeconds(1));
        await using var first = await ControlServer.StartAsync(new ControlEndpoint.UnixSocket(path), Plane(device), NullLoggerFactory.Instance, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<IOException>(() =>
            ControlServer.StartAsync(new ControlEndpoint.UnixSocket(path), Plane(device), NullLoggerFactory.Instance, CancellationToken.None));

        Assert.Contains("in use", ex.Message);
        Assert.True(File.Exists(path));
    }

    private static ControlPlane Plane(ControlDevice device) =>
        new([device], run: null, new UnavailableRecording("test"), DateTimeOffset.UtcNow);
}
