using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// The protocol engine for one front-end connection: reads requests on one thread, checks them
/// (header, payload size, fds, negotiated features), dispatches each to <see cref="IVhostUserBackend"/>
/// and writes the replies. Replies may also be written later from other threads through
/// <see cref="DeferredReply"/>; the endpoint serializes all writes.
/// <para>
/// A malformed message (<see cref="VhostUserProtocolException"/>) faults the session for good: it is
/// logged, the connection is closed, and <see cref="Fault"/> keeps the cause. A refused request
/// (<see cref="VhostUserDeviceException"/>) only produces a failure reply.
/// </para>
/// Run it with <see cref="Start"/> (dedicated thread) or <see cref="Run"/> (calling thread);
/// <see cref="Completion"/> reports how it ended.
/// </summary>
public sealed partial class VhostUserSession : IDisposable
{
    private const int ReplySourcePoolLimit = 64;

    /// <summary>
    /// How long a reply may wait for a front-end that stopped reading. Deferred replies are sent from
    /// the device's threads (an invalidation ack under the engine lock): blocking them for ever would
    /// freeze the device; after this the connection is dropped instead.
    /// </summary>
    public static readonly TimeSpan ReplySendTimeout = TimeSpan.FromSeconds(5);

    private readonly VhostUserEndpoint _endpoint;
    private readonly IVhostUserBackend _backend;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<VhostUserSessionEnd> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stack<DeferredReplySource> _replySources = new();
    private readonly Lock _replySourcesLock = new();
    private readonly VhostUserSessionOptions _options;
    private int _started;
    private volatile bool _ownerSet;
    private string? _closeReason;
    private volatile bool _ended;
    private volatile bool _closeRequested;
    private BackendChannel? _backendChannel;
    private Exception? _fault;
    private ulong _ackedFeatures;
    private ulong _ackedProtocolFeatures;

    /// <summary>Takes ownership of <paramref name="endpoint"/>; the session disposes it when it ends.</summary>
    public VhostUserSession(VhostUserEndpoint endpoint, IVhostUserBackend backend, ILogger? logger = null, VhostUserSessionOptions? options = null)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? VhostUserSessionOptions.Default;
        _endpoint.SetSendTimeout(ReplySendTimeout);
        // Only replies go out on this channel (the back-end never waits for an answer here), so collecting them is safe.
        _endpoint.CoalesceReplies = true;
    }

    /// <summary>Completes when the read loop has stopped and the back-end was told.</summary>
    public Task<VhostUserSessionEnd> Completion => _completion.Task;

    /// <summary>The malformed-message error that faulted the session, if any. Sticky.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Virtio features acked by the front-end (SET_FEATURES).</summary>
    public ulong AckedFeatures => Volatile.Read(ref _ackedFeatures);

    /// <summary>Protocol features acked by the front-end (SET_PROTOCOL_FEATURES).</summary>
    public VhostUserProtocolFeatures AckedProtocolFeatures => (VhostUserProtocolFeatures)Volatile.Read(ref _ackedProtocolFeatures);

    /// <summary>Runs the read loop on a new background thread.</summary>
    public void Start()
    {
        var thread = new Thread(() => Run()) { IsBackground = true, Name = "vhost-user session" };
        thread.Start();
    }

    /// <summary>Runs the read loop on the calling thread until the session ends.</summary>
    public VhostUserSessionEnd Run()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a session runs once");
        }

        Log.SessionStarted(_logger);
        VhostUserSessionEnd end;
        string reason;
        try
        {
            ReadLoop();
            end = _closeRequested ? VhostUserSessionEnd.Closed : VhostUserSessionEnd.PeerClosed;
            reason = _closeRequested ? CloseReason : "front-end closed the connection";
        }
        catch (VhostUserReceiveTimeoutException e) when (!_closeRequested)
        {
            end = VhostUserSessionEnd.TimedOut;
            reason = e.MidMessage ? e.Message : $"no handshake: SET_OWNER did not come within {_options.HandshakeTimeout.TotalSeconds:0.###} s of connecting";
            Log.ReceiveTimedOut(_logger, reason);
        }
        catch (VhostUserProtocolException e) when (!_closeRequested)
        {
            Volatile.Write(ref _fault, e);
            Log.ProtocolFault(_logger, e.Message, e);
            end = VhostUserSessionEnd.ProtocolError;
            reason = $"protocol error: {e.Message}";
        }
        catch (Exception e) when (_closeRequested && e is VhostUserProtocolException or VhostUserTransportException or ObjectDisposedException or TimeoutException)
        {
            end = VhostUserSessionEnd.Closed;
            reason = CloseReason;
        }
        catch (TimeoutException e)
        {
            // A send timed out: the front-end stopped reading, and the stream may hold half a reply.
            Log.TransportFailed(_logger, e.Message, e);
            end = VhostUserSessionEnd.TransportError;
            reason = "front-end stopped reading: " + e.Message;
        }
        catch (VhostUserTransportException e)
        {
            Log.TransportFailed(_logger, e.Message, e);
            end = e.IsDisconnect ? VhostUserSessionEnd.PeerClosed : VhostUserSessionEnd.TransportError;
            reason = e.Message;
        }
        catch (Exception e)
        {
            // A bug of ours must end this connection, not the process (this is a bare thread).
            Volatile.Write(ref _fault, e);
            Log.InternalError(_logger, e);
            end = VhostUserSessionEnd.InternalError;
            reason = $"internal error: {e.Message}";
        }

        Finish(end, reason);
        return end;
    }

    /// <summary>Ends the session: the read loop stops and the connection closes. Safe from any thread.</summary>
    public void Close() => Close("closed locally");

    /// <summary>As <see cref="Close()"/>, with the reason the back-end and the log are given.</summary>
    public void Close(string reason)
    {
        Interlocked.CompareExchange(ref _closeReason, reason, null);
        _closeRequested = true;
        _endpoint.Shutdown();
    }

    private string CloseReason => Volatile.Read(ref _closeReason) ?? "closed locally";

    public void Dispose()
    {
        Close();
        if (Volatile.Read(ref _started) == 0)
        {
            Finish(VhostUserSessionEnd.Closed, "disposed before running");
        }
    }

    private void ReadLoop()
    {
        var handshakeDeadline = Environment.TickCount64 + (long)_options.HandshakeTimeout.TotalMilliseconds;
        while (_endpoint.TryReceive(out var header, out var payload, out var fds, IdleTimeout(handshakeDeadline), _options.MessageTimeout))
        {
            using (fds)
            {
                Dispatch(header, payload, fds);
            }
        }
    }

    /// <summary>Until SET_OWNER, what is left of the handshake time; afterwards the session may idle (see <see cref="VhostUserSessionOptions"/>).</summary>
    private TimeSpan IdleTimeout(long handshakeDeadline) =>
        _ownerSet ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, handshakeDeadline - Environment.TickCount64));

    private void Finish(VhostUserSessionEnd end, string reason)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        Log.SessionEnded(_logger, end, reason);

        // The back-end stops first, the connection closes after: a front-end that sees the close
        // (QEMU takes the used index as final then) must not see completions published later, and
        // a device still using the back-end channel must see its requests aborted, not failed.
        try
        {
            _backend.OnDisconnected(reason);
        }
        catch (Exception e)
        {
            Log.BackendThrewOnDisconnect(_logger, e);
        }

        Interlocked.Exchange(ref _backendChannel, null)?.Dispose();
        _endpoint.Shutdown();
        _endpoint.Dispose();

        _completion.TrySetResult(end);
    }

    private bool ReplyAckNegotiated => (AckedProtocolFeatures & VhostUserProtocolFeatures.ReplyAck) != 0;

    /// <summary>
    /// Whether NEED_REPLY must be answered with a u64 ack. Only with REPLY_ACK negotiated, except
    /// IOTLB_MSG: QEMU 7.2 always sets NEED_REPLY on it and blocks until the reply arrives.
    /// </summary>
    private bool WantsAck(in VhostUserHeader header) =>
        header.NeedsReply && (ReplyAckNegotiated || header.Request == (uint)VhostUserRequest.IotlbMsg);

    private void Acknowledge(in VhostUserHeader header, ulong status)
    {
        if (WantsAck(header))
        {
            SendU64Reply(header.Request, status);
        }
    }

    private void SendU64Reply(uint request, ulong value)
    {
        Span<byte> payload = stackalloc byte[U64Payload.Length];
        U64Payload.Write(value, payload);
        SendReply(request, payload);
    }

    private void SendReply(uint request, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> fds = default)
    {
        _endpoint.Send(VhostUserHeader.ForReply(request, payload.Length), payload, fds);
        Log.ReplySent(_logger, request, payload.Length);
    }

    /// <summary>An explicit-reply request that failed: an empty payload, which QEMU rejects cleanly (GET_CONFIG's documented error form).</summary>
    private void SendFailedExplicitReply(uint request) => SendReply(request, ReadOnlySpan<byte>.Empty);

    internal DeferredReply RentDeferredReply(in VhostUserHeader header)
    {
        DeferredReplySource? source;
        lock (_replySourcesLock)
        {
            _replySources.TryPop(out source);
        }

        return (source ?? new DeferredReplySource(this)).Arm(header.Request, WantsAck(header));
    }

    internal void ReturnReplySource(DeferredReplySource source)
    {
        lock (_replySourcesLock)
        {
            if (_replySources.Count < ReplySourcePoolLimit)
            {
                _replySources.Push(source);
            }
        }
    }

    /// <summary>Called from whichever thread completes a <see cref="DeferredReply"/>.</summary>
    internal void SendDeferredReply(uint request, bool wantsReply, ulong status)
    {
        if (!wantsReply || _ended)
        {
            return;
        }

        try
        {
            SendU64Reply(request, status);
        }
        catch (TimeoutException e)
        {
            // Half a reply may be in the stream: nothing more can be said on this connection.
            Log.DeferredReplyDropped(_logger, request, e.Message);
            Close();
        }
        catch (Exception e) when (e is VhostUserTransportException or ObjectDisposedException)
        {
            // The connection is going away; the read loop reports that. The completer has no one to tell.
            Log.DeferredReplyDropped(_logger, request, e.Message);
        }
    }
}
