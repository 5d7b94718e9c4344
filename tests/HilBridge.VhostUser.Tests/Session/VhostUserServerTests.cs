using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

public sealed class VhostUserServerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vu-server-").FullName;

    [Fact]
    public async Task RunAsync_FrontendReconnects_SecondConnectionServed()
    {
        var path = Path.Combine(_directory, "blk.sock");
        var backend = new FakeBackend();
        using var listener = VhostUserListener.Bind(path);
        var server = new VhostUserServer(listener, () => backend);
        using var cts = new CancellationTokenSource();
        var run = server.RunAsync(cts.Token);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using (var first = VhostUserFrontend.Connect(path))
        {
            first.ReplyTimeout = TimeSpan.FromSeconds(10);
            Assert.Equal(FakeBackend.BlkFeatures, first.GetFeatures());
        }

        Assert.True(SpinWait.SpinUntil(() => server.SessionsServed == 1, 5000));
        using (var second = VhostUserFrontend.Connect(path))
        {
            second.ReplyTimeout = TimeSpan.FromSeconds(10);
            Assert.Equal(1UL, second.GetQueueNum());
            Assert.NotNull(server.CurrentSession);
        }

        Assert.True(SpinWait.SpinUntil(() => server.SessionsServed == 2, 5000));
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RunAsync_CancelledMidSession_SessionClosedAndLoopEnds()
    {
        var path = Path.Combine(_directory, "cancel.sock");
        var backend = new FakeBackend();
        using var listener = VhostUserListener.Bind(path);
        var server = new VhostUserServer(listener, () => backend);
        using var cts = new CancellationTokenSource();
        var run = server.RunAsync(cts.Token);
        using var frontend = VhostUserFrontend.Connect(path);
        frontend.ReplyTimeout = TimeSpan.FromSeconds(10);
        frontend.GetFeatures();

        cts.Cancel();

        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("closed locally", await backend.Disconnected.Task);
    }

    [Fact]
    public async Task RunAsync_BackendFactoryThrows_ConnectionDroppedAndNextOneServed()
    {
        var path = Path.Combine(_directory, "factory.sock");
        var attempts = 0;
        using var listener = VhostUserListener.Bind(path);
        var server = new VhostUserServer(listener, () => ++attempts == 1 ? throw new InvalidOperationException("no disk") : new FakeBackend());
        using var cts = new CancellationTokenSource();
        var run = server.RunAsync(cts.Token);

        using (var first = VhostUserFrontend.Connect(path))
        {
            first.ReplyTimeout = TimeSpan.FromSeconds(10);
            Assert.ThrowsAny<IOException>(() => first.GetFeatures());
        }

        using (var second = VhostUserFrontend.Connect(path))
        {
            second.ReplyTimeout = TimeSpan.FromSeconds(10);
            Assert.Equal(FakeBackend.BlkFeatures, second.GetFeatures());
        }

        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
