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
    private readonly Channel<AtcInvalidationDone> _outgoing = Channel.CreateUnbounded<AtcInvalidationDone>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Task _writing;
    private volatile Socket? _current;
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

    /// <summary>Completions that found no connection to go to.</summary>
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

    /// <summary>Queues a completion for the connected SMMU; safe from any thread, never blocks.</summary>
    public void Send(AtcInvalidationDone done) => _outgoing.Writer.TryWrite(done);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var previous = Interlocked.Exchange(ref _current, connection);
            previous?.Dispose();
            LogConnected(Path);
            _handler.OnConnected();
            var reason = await ReadLoopAsync(connection);
            if (Interlocked.CompareExchange(ref _current, null, connection) == connection)
            {
                connection.Dispose();
            }

            LogDisconnected(reason);
            _handler.OnDisconnected(reason);
        }
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
            await foreach (var done in _outgoing.Reader.ReadAllAsync(_stop.Token))
            {
                done.Write(buffer.AsSpan(AtsPortHeader.Size));
                if (_current is not { } socket)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }
                try
                {
                    await socket.SendAsync(buffer, SocketFlags.None, _stop.Token);
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
        Interlocked.Exchange(ref _current, null)?.Dispose();
        await Task.WhenAll(_accepting, _writing).ConfigureAwait(false);
        _stop.Dispose();
        try { File.Delete(Path); } catch (IOException) { }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "ATS port: SMMU connected on {Path}")]
    private partial void LogConnected(string path);

    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "ATS port: SMMU disconnected ({Reason})")]
    private partial void LogDisconnected(string reason);
}
