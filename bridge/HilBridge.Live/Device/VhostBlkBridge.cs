using HilBridge.Core.Engine;
using HilBridge.Scenarios;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Device;

/// <summary>
/// The bridge: a vhost-user-blk device with an ATS engine, served on a private UNIX socket to one
/// front-end at a time. Engine effects (acks, fences, violations) are logged and observable.
/// </summary>
public sealed partial class VhostBlkBridge : IDisposable
{
    private readonly FileBlockStore _store;
    private readonly EngineGate _gate;
    private readonly InvalidationCompletions _completions;
    private readonly InvalidationReplies _replies;
    private readonly DeviceCounters _counters = new();
    private readonly VhostBlkDevice _device;
    private readonly ILoggerFactory _loggers;
    private readonly BridgeOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly List<UafViolation> _violations = [];
    private readonly Dictionary<ulong, StragglerAccess> _stragglersPerformed = [];
    private VhostUserListener? _listener;
    private Task? _serving;

    public VhostBlkBridge(BridgeOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _loggers = loggers;
        _options = options;
        _logger = loggers.CreateLogger<VhostBlkBridge>();
        _store = new FileBlockStore(options.DiskImage, options.DiskSizeBytes);
        _gate = new EngineGate(options.Engine, time, OnEffect);
        _completions = new InvalidationCompletions(time);
        _replies = new InvalidationReplies(_gate, _completions);
        _device = new VhostBlkDevice(options, _store, _gate, _replies, _counters, loggers.CreateLogger<VhostBlkDevice>());
    }

    /// <summary>Every engine effect, in order, on the thread that caused it (under the engine lock: be quick).</summary>
    public event Action<EngineEffect>? EffectObserved;

    public uint? StreamId => _gate.Read(e => e.StreamId);

    public string SocketPath => _listener?.Path ?? "";

    /// <summary>When the engine's clock started (recorded in traces so replay rebuilds the same engine).</summary>
    public DateTimeOffset EngineStart => _gate.EngineStart;

    /// <summary>Sees every engine input and effect in order (the trace recorder); set before Start.</summary>
    public IEngineObserver? Observer { get => _gate.Observer; set => _gate.Observer = value; }

    /// <summary>Binds the socket (0600) and serves front-ends until disposed.</summary>
    public void Start(string socketPath)
    {
        _listener = VhostUserListener.Bind(socketPath);
        var server = new VhostUserServer(_listener, () => _device, _loggers, _options.Session);
        LogConnectionLimits(_options.HandshakeTimeout.TotalSeconds, _options.MessageTimeout.TotalSeconds);
        _serving = Task.Run(() => server.RunAsync(_stop.Token));
    }

    public void SetStreamId(uint streamId)
    {
        _gate.Apply(EngineInputKind.SetStreamId, streamId);
        LogStreamId(streamId);
    }

    /// <summary>A CFGI_STE for this StreamID seen in the guest's SMMU command stream (the attach that may unfence).</summary>
    public void OnSteInvalidated(uint streamId) => _gate.Apply(EngineInputKind.SteInvalidated, streamId);

    /// <summary>
    /// The guest's IOMMU invalidated a device context (SMMUv3 CFGI_STE, VT-d context-cache): the engine's
    /// STE input, which completes a recovery when it names the device. Null: every device's (a VT-d global
    /// or domain-wide invalidation), given to the engine as the device's own requester ID.
    /// </summary>
    public void OnDeviceContextInvalidated(uint? requesterId) => OnSteInvalidated(requesterId ?? StreamId ?? 0);

    /// <summary>Where a requester other than vhost-user (the SMMU's ATS port) registers for the answers to its invalidations.</summary>
    public InvalidationCompletions Invalidations => _completions;

    /// <summary>
    /// Invalidates the device's ATC for a requester other than vhost-user: <paramref name="requestId"/> comes from
    /// its registration with <see cref="Invalidations"/>, whose callback gets the answer (maybe from inside this call).
    /// </summary>
    public void InvalidateAtc(ulong requestId, ulong iova, ulong size) =>
        _gate.Apply(new EngineInput(EngineInputKind.IotlbInvalidate, default, iova, size, Id: requestId));

    public void SetPolicy(FaultPolicy policy) => _gate.Apply(EngineInputKind.SetPolicy, policy: policy);

    /// <summary>Fences the device from outside the engine: the control plane, or the guest's STE (<paramref name="origin"/>).</summary>
    public void Fence(string reason, FenceOrigin origin = FenceOrigin.Operator) => _gate.Apply(EngineInputKind.Fence, (ulong)origin, reason);

    public void Unfence(string reason) => _gate.Apply(EngineInputKind.Unfence, reason: reason);

    public FenceState FenceState => _gate.Read(e => e.FenceState);

    /// <summary>Requests popped from the ring and not yet completed, now (lock-free: cheap enough to poll).</summary>
    public long RequestsInFlight => Interlocked.Read(ref _counters.InFlight);

    /// <summary>How many violations are kept with their details (all are counted).</summary>
    public const int MaxKeptViolations = 100;

    /// <summary>How many stragglers that reached guest memory are kept by id (for matching the guest's findings).</summary>
    public const int MaxKeptStragglers = 4096;

    /// <summary>The stragglers that really moved bytes in guest memory, by id.</summary>
    public IReadOnlyDictionary<ulong, StragglerAccess> StragglersPerformed => _gate.Read(_ => new Dictionary<ulong, StragglerAccess>(_stragglersPerformed));

    /// <summary>The first violations, each with StreamID, IOVA, bytes and time since the acknowledgement.</summary>
    public IReadOnlyList<UafViolation> Violations => _gate.Read(_ => _violations.ToArray());

    // Read-only views for the control plane (each takes the engine lock once).
    public int AtcCount => _gate.Read(e => e.AtcCount);

    public int PendingInvalidations => _gate.Read(e => e.PendingInvalidations);

    public int InFlightAccesses => _gate.Read(e => e.InFlightAccesses);

    public FaultPolicy Policy => _gate.Read(e => e.Policy);

    public FencePolicy FencePolicy => _gate.Read(e => e.FencePolicy);

    public FenceMode FenceMode => _gate.Read(e => e.FenceMode);

    public BridgeStatistics Statistics() => _gate.Read(e => new BridgeStatistics
    {
        Requests = Interlocked.Read(ref _counters.Requests),
        RequestErrors = Interlocked.Read(ref _counters.RequestErrors),
        StatusUnwritten = Interlocked.Read(ref _counters.StatusUnwritten),
        BytesRead = Interlocked.Read(ref _counters.BytesRead),
        BytesWritten = Interlocked.Read(ref _counters.BytesWritten),
        Sessions = Interlocked.Read(ref _counters.Sessions),
        RequestsResubmitted = Interlocked.Read(ref _counters.Resubmitted),
        RequestsInFlight = RequestsInFlight,
        DeviceStarts = Interlocked.Read(ref _counters.DeviceStarts),
        StragglerBytesWritten = Interlocked.Read(ref _counters.StragglerBytesWritten),
        StragglerBytesRead = Interlocked.Read(ref _counters.StragglerBytesRead),
        StragglerFaults = Interlocked.Read(ref _counters.StragglerFaults),
        AckLatencyP50 = _replies.AckLatency.Percentile(50),
        AckLatencyP99 = _replies.AckLatency.Percentile(99),
        AckLatency = LatencySummary.From(_replies.AckLatency),
        Engine = e.Counters.Snapshot(),
    });

    private void OnEffect(EngineEffect effect)
    {
        _completions.Dispatch(effect);
        switch (effect.Kind)
        {
            case EffectKind.Fenced or EffectKind.Unfenced or EffectKind.InvalidationTimedOut:
                LogEffect(effect.ToString());
                break;
            case EffectKind.StragglerAccess:
                var moved = _device.PerformStraggler(effect.Straggler);
                if (moved > 0 && _stragglersPerformed.Count < MaxKeptStragglers)
                {
                    _stragglersPerformed[effect.Straggler.Id] = effect.Straggler;
                }

                LogStraggler(effect.ToString(), moved);
                break;
            case EffectKind.Violation:
                LogViolation(effect.ToString());
                if (_violations.Count < MaxKeptViolations)
                {
                    _violations.Add(effect.Violation);
                }

                break;
        }
        EffectObserved?.Invoke(effect);
    }

    /// <summary>Stops serving and releases everything; safe to call more than once (hosts stop, then dispose).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Quiesce before the socket closes: QEMU takes the used index as final when it sees the close.
        _device.Halt();
        _stop.Cancel();
        _listener?.Dispose();
        try { _serving?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _device.Dispose();
        _gate.Dispose();
        _store.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "device StreamID 0x{StreamId:x}")]
    private partial void LogStreamId(uint streamId);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Effect}")]
    private partial void LogEffect(string effect);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Effect}: {Bytes} bytes moved in guest memory")]
    private partial void LogStraggler(string effect, ulong bytes);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "use-after-free: {Effect}")]
    private partial void LogViolation(string effect);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "front-ends: handshake timeout {Handshake} s, mid-message timeout {Message} s; the newest connection takes over")]
    private partial void LogConnectionLimits(double handshake, double message);
}
