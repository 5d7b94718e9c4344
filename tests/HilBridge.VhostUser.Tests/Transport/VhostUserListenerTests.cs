using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

public sealed class VhostUserListenerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vu-listener-").FullName;

    private string SocketPath => Path.Combine(_directory, "vhost.sock");

    [Fact]
    public void Bind_NewPath_SocketFileIsOwnerOnly()
    {
        using var listener = VhostUserListener.Bind(SocketPath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public void Bind_StaleSocketFile_Replaced()
    {
        // What a crashed back-end leaves: a bound socket file nobody listens on. (.NET's Socket
        // would unlink it on Dispose, so bind with libc directly.)
        BindAndAbandon(SocketPath);

        Assert.True(File.Exists(SocketPath));

        using var listener = VhostUserListener.Bind(SocketPath);
        using var client = UnixSocket.Connect(SocketPath);
        using var accepted = listener.Accept(new CancellationTokenSource(5000).Token);

        Assert.NotNull(accepted);
    }

    [Fact]
    public void Bind_RegularFileAtPath_RefusedAndFileKept()
    {
        File.WriteAllText(SocketPath, "precious");

        Assert.Throws<IOException>(() => VhostUserListener.Bind(SocketPath));
        Assert.Equal("precious", File.ReadAllText(SocketPath));
    }

    [Fact]
    public void Bind_LiveListenerAtPath_Refused()
    {
        using var first = VhostUserListener.Bind(SocketPath);

        var e = Assert.Throws<IOException>(() => VhostUserListener.Bind(SocketPath));

        Assert.Contains("in use", e.Message);
    }

    [Fact]
    public void Accept_Cancelled_ReturnsNull()
    {
        using var listener = VhostUserListener.Bind(SocketPath);
        using var cts = new CancellationTokenSource(50);

        Assert.Null(listener.Accept(cts.Token));
    }

    [Fact]
    public async Task Accept_AfterACancelledAccept_StillBlocksUntilAClientConnects()
    {
        using var listener = VhostUserListener.Bind(SocketPath);
        using (var cancelled = new CancellationTokenSource(20))
        {
            Assert.Null(listener.Accept(cancelled.Token));
        }

        var accept = Task.Run(() => listener.Accept(new CancellationTokenSource(5000).Token));
        Thread.Sleep(50);
        Assert.False(accept.IsCompleted);
        using var client = UnixSocket.Connect(SocketPath);

        using var accepted = await accept;
        Assert.NotNull(accepted);
    }

    [Fact]
    public async Task Accept_ListenerDisposedWhileWaiting_ReturnsNull()
    {
        var listener = VhostUserListener.Bind(SocketPath);
        var accept = Task.Run(() => listener.Accept());
        Thread.Sleep(50);

        listener.Dispose();

        Assert.Null(await accept.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Dispose_RemovesSocketFile()
    {
        var listener = VhostUserListener.Bind(SocketPath);

        listener.Dispose();

        Assert.False(File.Exists(SocketPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static unsafe void BindAndAbandon(string path)
    {
        using var socket = UnixSocket.CreateStreamSocket();
        var address = stackalloc byte[UnixSocket.SockaddrLength];
        var length = UnixSocket.WriteAddress(path, address);
        Assert.Equal(0, LibC.bind(socket.DangerousFd, address, length));
    }
}
