using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// Serves front-ends on a listener one at a time, as QEMU expects of a vhost-user-blk back-end (one
/// device, one driver). The newest connection wins: when a front-end connects while a session is
/// open, that session is closed (its back-end told, as for a disconnect) and the newcomer is served.
/// That is what a reconnecting QEMU expects (its old connection may not look dead to us yet), and it
/// means no peer can hold the device by connecting first and stalling: whoever comes next takes over.
/// A session alone is bounded by <see cref="VhostUserSessionOptions"/> (handshake and mid-message timeouts).
/// </summary>
public sealed partial class VhostUserServer
{
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly VhostUserListener _listener;
    private readonly Func<IVhostUserBackend> _backendFactory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly VhostUserSessionOptions _options;
    private VhostUserSession? _current;
    private int _sessionsServed;

    /// <param name="listener">Owned by the caller; dispose it after <see cref="RunAsync"/> completes.</param>
    /// <param name="backendFactory">Called once per connection; may return the same device each time.</param>
    public VhostUserServer(VhostUserListener listener, Func<IVhostUserBackend> backendFactory, ILoggerFactory? loggerFactory = null, VhostUserSessionOptions? options = null)
    {
        _options = options ?? VhostUserSessionOptions.Default;
        _listener = listener ?? throw new ArgumentNullException(nameof(listener));
        _backendFactory = backendFactory ?? throw new ArgumentNullException(nameof(backendFactory));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<VhostUserServer>();
    }

    /// <summary>The session being served, if any.</summary>
    public VhostUserSession? CurrentSession => Volatile.Read(ref _current);

    /// <summary>Sessions that have ended so far.</summary>
    public int SessionsServed => Volatile.Read(ref _sessionsServed);

    /// <summary>Serves until <paramref name="cancellationToken"/> fires (closing the current session) on a dedicated thread.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Serve(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Serve(CancellationToken cancellationToken)
    {
        Log.Listening(_logger, _listener.Path);
        Task? running = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            VhostUserEndpoint? endpoint;
            try
            {
                endpoint = _listener.Accept(cancellationToken);
            }
            catch (VhostUserTransportException e)
            {
                // E.g. EMFILE: keep serving once resources free up, without spinning.
                Log.AcceptFailed(_logger, e);
                cancellationToken.WaitHandle.WaitOne(AcceptRetryDelay);
                continue;
            }

            if (endpoint is null)
            {
                break;
            }

            // The newest front-end takes over: the previous session ends (and its back-end hears of it)
            // before the new one starts, so the device never serves two connections at once.
            if (CurrentSession is { } previous)
            {
                Log.TakingOver(_logger);
                previous.Close("replaced by a newer front-end connection");
            }

            running?.Wait(CancellationToken.None);
            running = null;

            IVhostUserBackend backend;
            try
            {
                backend = _backendFactory();
            }
            catch (Exception e)
            {
                Log.BackendFactoryFailed(_logger, e);
                endpoint.Dispose();
                continue;
            }

            Log.FrontendConnected(_logger);
            var session = new VhostUserSession(endpoint, backend, _loggerFactory.CreateLogger<VhostUserSession>(), _options);
            Volatile.Write(ref _current, session);
            running = Task.Factory.StartNew(() => RunSession(session), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        CurrentSession?.Close();
        running?.Wait(CancellationToken.None);
    }

    private void RunSession(VhostUserSession session)
    {
        session.Run();
        Interlocked.CompareExchange(ref _current, null, session);
        Interlocked.Increment(ref _sessionsServed);
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Information, "vhost-user back-end listening on {Path}")]
        public static partial void Listening(ILogger logger, string path);

        [LoggerMessage(102, LogLevel.Information, "vhost-user front-end connected")]
        public static partial void FrontendConnected(ILogger logger);

        [LoggerMessage(103, LogLevel.Error, "creating the back-end for a new connection failed; connection dropped")]
        public static partial void BackendFactoryFailed(ILogger logger, Exception exception);

        [LoggerMessage(104, LogLevel.Error, "accepting a vhost-user connection failed; retrying")]
        public static partial void AcceptFailed(ILogger logger, Exception exception);

        [LoggerMessage(105, LogLevel.Warning, "a new vhost-user front-end connected while a session was open: the newest takes over, closing the previous connection")]
        public static partial void TakingOver(ILogger logger);
    }
}
