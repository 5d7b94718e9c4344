using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.AtsPort;

/// <summary>
/// The UNIX socket the patched QEMU's SMMU connects to as a chardev client
/// (<c>-chardev socket,id=hbats,path=...</c>, <c>-global arm-smmuv3.ats-port=hbats</c>). One SMMU
/// at a time; a new connection replaces the old one (QEMU reconnecting). Reads are dispatched to the
/// handler in order on one thread; completions are queued and written by a separate task, so a
/// caller holding a lock (the engine's) never waits for the socket.
/// </summary>
internal sealed partial class AtsPortServer : IAsyncDisposable
{
    private readonly IAtsPortHandler _handler;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Task _writing;
    private readonly Channel<(AtcInvalidationDone Done, long Generation)> _outgoing =
        Channel.CreateUnbounded<(AtcInvalidationDone, long)>(new UnboundedChannelOptions { SingleReader = true });
    private Connection? _current;
    private long _generations;

    // The connection whose messages the handler is being given: a completion belongs to it, and goes
    // to no later connection (a replaying SMMU would take it for the answer to its replayed tag).
    private long _servingGeneration;
    private long _dropped;

    private AtsPortServer(string path, Socket listener, IAtsPortHandler handler, ILogger logger)
    {
        Path = path;
        _listener = listener;
        _handler = handler;
        _logger = logger;
        _accepting = Task.Run(AcceptLoopAsync);
        _writing = Task.Run(WriteLoopAsync);
    }

    public string Path { get; }

    /// <summary>Completions that found no connection to go to (or only a newer one than theirs).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Binds <paramref name="path"/> (owner-only) and starts accepting.</summary>
    public static AtsPortServer Start(string path, IAtsPortHandler handler, ILogger logger)
    {
        if (File.Exists(path))
        {
            File.Delete(path); // a stale socket of an earlier run; the runtime directory is private
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(1);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new AtsPortServer(path, listener, handler, logger);
    }

    /// <summary>
    /// Queues a completion for the connection whose invalidation it answers (the one being served);
    /// safe from any thread, never blocks.
    /// </summary>
    public void Send(AtcInvalidationDone done) => _outgoing.Writer.TryWrite((done, Volatile.Read(ref _servingGeneration)));

    private async Task AcceptLoopAsync()
    {
        var serving = Task.CompletedTask;
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            // The newest connection takes over at once (QEMU reconnecting, or a peer that connected and
            // stalls): the old one is closed, and its disconnection handled before this one is served,
            // so the handler sees connections one after the other and in order.
            var connection = new Connection(socket, Interlocked.Increment(ref _generations));
            Interlocked.Exchange(ref _current, connection)?.Socket.Dispose();
            await serving.ConfigureAwait(false);
            serving = ServeAsync(connection);
        }
        await serving.ConfigureAwait(false);
    }

    private async Task ServeAsync(Connection connection)
    {
        Volatile.Write(ref _servingGeneration, connection.Generation);
        LogConnected(Path);
        _handler.OnConnected();
        var reason = await ReadLoopAsync(connection.Socket);
        if (Interlocked.CompareExchange(ref _current, null, connection) == connection)
        {
            connection.Socket.Dispose();
        }
        else if (!_stop.IsCancellationRequested)
        {
            reason = "replaced by a new connection";
        }

        LogDisconnected(reason);
        _handler.OnDisconnected(reason);
    }

    private async Task<string> ReadLoopAsync(Socket connection)
    {
        var frames = new AtsPortFrameBuffer();
        try
        {
            while (true)
            {
                var received = await connection.ReceiveAsync(frames.FreeSpace(), SocketFlags.None, _stop.Token);
                if (received == 0)
                {
                    return "closed by QEMU";
                }

                frames.Advance(received);
                DispatchAll(frames);
            }
        }
        catch (AtsPortProtocolException ex)
        {
            _handler.OnMalformed(ex.Message);
            return "protocol error: " + ex.Message;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return "stopped";
        }
        catch (SocketException ex)
        {
            return ex.Message;
        }
    }

    private void DispatchAll(AtsPortFrameBuffer frames)
    {
        while (frames.TryRead(out var header, out var payload))
        {
            AtsPortDispatcher.Dispatch(header, payload, _handler);
        }
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new byte[AtsPortHeader.Size + AtcInvalidationDone.Size];
        new AtsPortHeader(AtsPortMessageType.AtcInvalidateDone, 0, AtcInvalidationDone.Size).Write(buffer);
        try
        {
            await foreach (var (done, generation) in _outgoing.Reader.ReadAllAsync(_stop.Token))
            {
                done.Write(buffer.AsSpan(AtsPortHeader.Size));
                if (Volatile.Read(ref _current) is not { } connection || connection.Generation != generation)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }
                try
                {
                    await connection.Socket.SendAsync(buffer, SocketFlags.None, _stop.Token);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    Interlocked.Increment(ref _dropped); // the read loop notices the broken connection
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        Interlocked.Exchange(ref _current, null)?.Socket.Dispose();
        await Task.WhenAll(_accepting, _writing).ConfigureAwait(false);
        _stop.Dispose();
        try { File.Delete(Path); } catch (IOException) { }
    }

    private sealed record Connection(Socket Socket, long Generation);

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "ATS port: SMMU connected on {Path}")]
    private partial void LogConnected(string path);

    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "ATS port: SMMU disconnected ({Reason})")]
    private partial void LogDisconnected(string reason);
}
