using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.AtsPort;

/// <summary>
/// HilBridge's end of the SMMU's ATS port. The guest's CMD_ATC_INV for the device's StreamID becomes
/// an engine invalidation of the device's ATC (the vhost-user IOTLB), so the scenario's fault policy
/// decides its completion; the engine's acknowledgement goes back as the completion, unless it came
/// from the engine's timeout (then the device never answered and the SMMU times out by itself). STE
/// reports fence and unfence the engine as the SMMU would treat translated requests. Invalidations
/// for other StreamIDs complete at once.
/// </summary>
public sealed partial class AtsPortEndpoint : IAtsPortHandler, IAsyncDisposable
{
    private readonly VhostBlkBridge _bridge;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly InvalidationRequester _requester;
    private readonly AtsInvalidationTable _table;
    private readonly SteFenceTracker _ste = new();
    private readonly FlushOrderingCheck _ordering = new();
    private readonly LatencyHistogram _completionDelay = new();
    private readonly LatencyHistogram _syncWait = new();
    private readonly Dictionary<int, long> _sizes = [];
    private AtsPortServer? _server;
    private AtsPortCounters _counters;
    private long? _invalidationsAtUnfence; // ATC_INV received when the guest's STE last unfenced the device
    private uint _smmuTimeoutMs;

    // The first SMMU timeout since the last STE fence, and how long after one the guest's first STE fence came.
    private long? _timeoutAt;
    private TimeSpan? _steFenceAfterTimeout;

    private AtsPortEndpoint(VhostBlkBridge bridge, TimeProvider time, ILogger logger)
    {
        _bridge = bridge;
        _time = time;
        _logger = logger;
        _requester = bridge.Invalidations.Register(OnAnswer);
        _table = new AtsInvalidationTable(_requester);
    }

    /// <summary>Listens on <paramref name="socketPath"/> and serves the SMMU that connects.</summary>
    public static AtsPortEndpoint Start(VhostBlkBridge bridge, string socketPath, TimeProvider time, ILoggerFactory loggers)
    {
        var endpoint = new AtsPortEndpoint(bridge, time, loggers.CreateLogger<AtsPortEndpoint>());
        endpoint._server = AtsPortServer.Start(socketPath, endpoint, loggers.CreateLogger<AtsPortServer>());
        return endpoint;
    }

    public string SocketPath => _server?.Path ?? "";

    public AtsPortStatistics Statistics()
    {
        lock (_gate)
        {
            var c = _counters;
            return new AtsPortStatistics
            {
                Connections = c.Connections,
                SmmuTimeoutMs = _smmuTimeoutMs,
                AtcInvalidations = c.AtcInvalidations,
                OtherStreamInvalidations = c.OtherStream,
                SpanSizes = new Dictionary<int, long>(_sizes),
                CompletionsSent = c.CompletionsSent,
                FailedCompletionsSent = c.FailedCompletions,
                CompletionsWithheld = c.Withheld,
                LateCompletions = c.Late,
                CompletionsDropped = _server?.Dropped ?? 0,
                CompletionDelayP50 = _completionDelay.Percentile(50),
                CompletionDelayP99 = _completionDelay.Percentile(99),
                CompletionDelayMax = _completionDelay.Percentile(100),
                SmmuTimeouts = c.SmmuTimeouts,
                Syncs = c.Syncs,
                SyncErrors = c.SyncErrors,
                SyncWaitP50 = _syncWait.Percentile(50),
                SyncWaitP99 = _syncWait.Percentile(99),
                SyncWaitMax = _syncWait.Percentile(100),
                SteReports = c.SteReports,
                SteFences = c.SteFences,
                SteUnfences = c.SteUnfences,
                SteFenceAfterSmmuTimeout = _steFenceAfterTimeout,
                AtcInvalidationsAfterSteUnfence = c.AtcInvalidations - _invalidationsAtUnfence,
                FailedFlushes = _ordering.Failed,
                FlushesCompletedFenced = _ordering.CompletedFenced,
                FlushesCompletedUnfenced = _ordering.CompletedUnfenced,
                FenceLeadMin = _ordering.MinFenceLead,
                ProtocolErrors = c.ProtocolErrors,
            };
        }
    }

    void IAtsPortHandler.OnConnected()
    {
        lock (_gate)
        {
            _counters.Connections++;
        }
    }

    void IAtsPortHandler.OnHello(in AtsPortHello hello)
    {
        lock (_gate)
        {
            _smmuTimeoutMs = hello.TimeoutMs;
        }

        LogHello(hello.Version, hello.TimeoutMs, hello.MaxInflight);
    }

    void IAtsPortHandler.OnAtcInvalidate(in AtcInvalidation inv)
    {
        var device = _bridge.StreamId;
        ulong requestId;
        lock (_gate)
        {
            _counters.AtcInvalidations++;
            _sizes[inv.SizeLog2] = _sizes.GetValueOrDefault(inv.SizeLog2) + 1;
            // Until QMP told us the device's StreamID every ATC_INV is taken as the device's: it is the
            // only endpoint with ats=on on the command line HilBridge builds.
            if (device is { } sid && sid != inv.StreamId)
            {
                _counters.OtherStream++;
                _counters.CompletionsSent++;
                _server?.Send(new AtcInvalidationDone(inv.Tag, 0));
                return;
            }
            requestId = _table.Add(inv.Tag, _time.GetTimestamp());
        }
        // The engine may acknowledge from inside this call (OnAnswer, under the engine lock, then ours).
        _bridge.InvalidateAtc(requestId, inv.Address, inv.Length);
    }

    void IAtsPortHandler.OnSte(in SteState ste)
    {
        SteDecision decision;
        var device = _bridge.StreamId;
        var fenced = _bridge.FenceState.IsFenced;
        lock (_gate)
        {
            _counters.SteReports++;
            decision = _ste.Apply(ste, device, fenced);
            if (decision.Action == SteAction.Fence)
            {
                _counters.SteFences++;
                if (_timeoutAt is { } t)
                {
                    _steFenceAfterTimeout ??= _time.GetElapsedTime(t);
                    _timeoutAt = null;
                }
            }
            else if (decision.Action == SteAction.Unfence)
            {
                _counters.SteUnfences++;
                _invalidationsAtUnfence = _counters.AtcInvalidations;
            }
        }
        switch (decision.Action)
        {
            case SteAction.Fence:
                LogSte(decision.Reason!);
                _bridge.Fence(decision.Reason!, decision.Origin);
                break;
            case SteAction.Unfence:
                LogSte(decision.Reason!);
                _bridge.Unfence(decision.Reason!);
                break;
        }
    }

    void IAtsPortHandler.OnSync(in SyncReport sync)
    {
        // Read outside our lock: the engine lock is taken before ours (OnAnswer), never after.
        var fence = _bridge.FenceState;
        FlushCompletion? completion;
        lock (_gate)
        {
            _counters.Syncs++;
            if (sync.Error != 0)
            {
                _counters.SyncErrors++;
            }

            _syncWait.Record(sync.Waited);
            completion = _ordering.OnSync(sync, _time.GetUtcNow(), fence.IsFenced ? fence.Since : null);
        }
        if (sync.Error != 0)
        {
            LogSyncError(sync.LastTag, sync.Waited.TotalMilliseconds);
        }

        switch (completion)
        {
            case { FenceLead: { } lead } c:
                LogFlushFenced(c.FailedTag, c.CompletedByTag, lead.TotalMilliseconds, fence.Origin);
                break;
            case { } c:
                LogFlushUnfenced(c.FailedTag, c.CompletedByTag);
                break;
        }
    }

    void IAtsPortHandler.OnTimeout(in AtcInvalidationTimeout timeout)
    {
        lock (_gate)
        {
            _counters.SmmuTimeouts++;
            _timeoutAt ??= _time.GetTimestamp();
            _table.MarkSmmuTimedOut(timeout.Tag);
        }
        LogSmmuTimeout(timeout.Tag, timeout.StreamId);
    }

    void IAtsPortHandler.OnMalformed(string reason)
    {
        lock (_gate)
        {
            _counters.ProtocolErrors++;
        }

        LogMalformed(reason);
    }

    void IAtsPortHandler.OnDisconnected(string reason)
    {
        // The SMMU replays what is still outstanding when it reconnects; acks for the old tags are ignored.
        lock (_gate)
        {
            _table.Clear();
        }
    }

    /// <summary>The engine's answers about the ATS port's invalidations, under the engine lock.</summary>
    private void OnAnswer(in EngineEffect answer)
    {
        lock (_gate)
        {
            switch (answer.Kind)
            {
                case EffectKind.InvalidationTimedOut:
                    _table.MarkEngineTimedOut(answer.RequestId);
                    break;
                case EffectKind.AckInvalidation:
                    Route(answer);
                    break;
            }
        }
    }

    private void Route(in EngineEffect ack)
    {
        switch (_table.Complete(ack.RequestId, out var tag, out var receivedAt, out var late))
        {
            case AckRouting.Send:
                var status = ack.Status == 0 ? 0u : 1u;
                _counters.CompletionsSent++;
                if (status != 0)
                {
                    _counters.FailedCompletions++;
                }

                if (late)
                {
                    _counters.Late++;
                }

                _completionDelay.Record(_time.GetElapsedTime(receivedAt));
                _server?.Send(new AtcInvalidationDone(tag, status));
                break;
            case AckRouting.Withhold:
                _counters.Withheld++;
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _requester.Dispose();
        if (_server is { } server)
        {
            await server.DisposeAsync();
        }
    }

    private struct AtsPortCounters
    {
        public long Connections, AtcInvalidations, OtherStream, CompletionsSent, FailedCompletions, Withheld, Late;
        public long SmmuTimeouts, Syncs, SyncErrors, SteReports, SteFences, SteUnfences, ProtocolErrors;
    }

    [LoggerMessage(EventId = 810, Level = LogLevel.Information, Message = "ATS port: SMMU protocol v{Version}, ATC invalidation timeout {TimeoutMs} ms, {MaxInflight} outstanding at most")]
    private partial void LogHello(uint version, uint timeoutMs, uint maxInflight);

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "ATS port: {Reason}")]
    private partial void LogSte(string reason);

    [LoggerMessage(EventId = 812, Level = LogLevel.Warning, Message = "ATS port: CMD_SYNC after tag {Tag} reported CERROR_ATC_INV_SYNC to the guest (waited {WaitedMs:F1} ms)")]
    private partial void LogSyncError(uint tag, double waitedMs);

    [LoggerMessage(EventId = 813, Level = LogLevel.Warning, Message = "ATS port: the SMMU timed out ATC invalidation tag {Tag} (StreamID 0x{StreamId:x})")]
    private partial void LogSmmuTimeout(uint tag, uint streamId);

    [LoggerMessage(EventId = 815, Level = LogLevel.Information, Message = "ATS port: the flush that failed at tag {FailedTag} completed (CMD_SYNC after tag {Tag}) {LeadMs:F1} ms after the device was fenced ({Origin})")]
    private partial void LogFlushFenced(uint failedTag, uint tag, double leadMs, FenceOrigin origin);

    [LoggerMessage(EventId = 816, Level = LogLevel.Warning, Message = "ATS port: the flush that failed at tag {FailedTag} completed (CMD_SYNC after tag {Tag}) while the device was not fenced: it can still use its stale translations")]
    private partial void LogFlushUnfenced(uint failedTag, uint tag);

    [LoggerMessage(EventId = 814, Level = LogLevel.Warning, Message = "ATS port: {Reason}")]
    private partial void LogMalformed(string reason);
}
