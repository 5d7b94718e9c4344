using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

/// <summary>
/// The heart of HilBridge: a pure state machine between QEMU's IOTLB messages and the emulated ATS
/// device. Each input applies one event at the provider's current time and queues effects, which the
/// host drains with <see cref="TryTakeEffect"/> after every call.
/// </summary>
/// <remarks>
/// Single-threaded by contract: the host serializes every call (one lock) and applies the effects.
/// No I/O, no wall clock: time comes only from the injected <see cref="TimeProvider"/>, and randomness
/// only from a generator seeded by <see cref="EngineOptions.Seed"/>, so the same inputs at the same
/// times replay to the same effects. Engine time never goes backwards, even if the provider does.
/// Every input first processes what fell due (so late OnTimer calls do not change outcomes), then the
/// event, then anything the event made due at once.
/// </remarks>
public sealed partial class AtsEngine
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly FencePolicy _fencePolicy;
    private readonly FenceMode _fenceMode;
    private uint? _streamId;
    private readonly ulong _refusedStatus;
    private readonly DateTimeOffset _start;
    private DateTimeOffset _now;

    private readonly AddressTranslationCache _atc;
    private readonly DeterministicRandom _random;
    private readonly Queue<EngineEffect> _effects = new();
    private readonly List<AtcEntry> _entryScratch = new();
    private readonly List<Invalidation> _holderScratch = new();
    private readonly List<Invalidation> _liveScratch = new();
    private readonly List<Capture> _captureScratch = new();

    private FaultPolicy _policy;
    private long[] _ruleMatches;
    private long[] _ruleApplied;
    private FenceState _fence;

    private readonly Dictionary<ulong, Pin> _pins = new();
    private readonly Dictionary<ulong, int> _pinsPerEntry = new();
    private readonly Dictionary<ulong, Capture> _captures = new();
    private readonly LinkedList<Invalidation> _live = new();
    private readonly LinkedList<Invalidation> _timeouts = new();
    private readonly PriorityQueue<TimerItem, TimerKey> _timers = new();
    private readonly EnginePool _pool = new();
    private int _unacked;
    private ulong _lastToken;
    private long _timerSequence;

    public AtsEngine(EngineOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _time = time;
        _timeout = options.InvalidationTimeout;
        _fencePolicy = options.FencePolicy;
        _fenceMode = options.FenceMode;
        _streamId = options.StreamId;
        _refusedStatus = options.RefusedAckStatus;
        _atc = new AddressTranslationCache(options.AtcCapacity);
        _random = new DeterministicRandom(options.Seed);
        _policy = options.Policy;
        _ruleMatches = new long[_policy.Rules.Count];
        _ruleApplied = new long[_policy.Rules.Count];
        _start = _now = time.GetUtcNow();
    }

    public EngineCounters Counters { get; } = new();

    public FenceState FenceState => _fence;

    public FencePolicy FencePolicy => _fencePolicy;

    public FenceMode FenceMode => _fenceMode;

    public FaultPolicy Policy => _policy;

    /// <summary>Translations currently cached.</summary>
    public int AtcCount => _atc.Count;

    /// <summary>Invalidations not yet answered to QEMU.</summary>
    public int PendingInvalidations => _unacked;

    /// <summary>Accesses between BeginAccess and EndAccess.</summary>
    public int InFlightAccesses => _pins.Count;

    /// <summary>When the host must call <see cref="OnTimer"/> next; null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = _timeouts.First?.Value.TimeoutAt;
            if (_timers.TryPeek(out _, out var key) && (next is null || key.UtcTicks < next.Value.UtcTicks))
            {
                next = new DateTimeOffset(key.UtcTicks, TimeSpan.Zero);
            }

            return next;
        }
    }

    // For tests: the UAF history must shrink back once nothing can reference it.
    internal int TrackedCaptures => _captures.Count;

    internal int LiveInvalidations => _live.Count;

    internal AddressTranslationCache Cache => _atc;

    /// <summary>Replaces the fault policy; it decides from the next invalidation on (rule counters restart).</summary>
    /// <summary>The device's StreamID, once learned (QEMU only knows it after the guest numbered the bus).</summary>
    public uint? StreamId => _streamId;

    /// <summary>Sets the StreamID that CFGI_STE must name for recovery and that violations report.</summary>
    public void SetStreamId(uint streamId) => _streamId = streamId;

    public void SetPolicy(FaultPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        _ruleMatches = new long[policy.Rules.Count];
        _ruleApplied = new long[policy.Rules.Count];
    }

    /// <summary>Processes everything due at the provider's current time.</summary>
    public void OnTimer()
    {
        Advance();
        Settle();
    }

    /// <summary>Dequeues the next effect, in production order.</summary>
    public bool TryTakeEffect(out EngineEffect effect) => _effects.TryDequeue(out effect);

    private void Emit(EngineEffect effect) => _effects.Enqueue(effect);

    /// <summary>Moves engine time to the provider's (never backwards) and runs what fell due before this input.</summary>
    private void Advance()
    {
        var t = _time.GetUtcNow();
        if (t > _now)
        {
            _now = t;
        }

        ProcessDue();
    }

    /// <summary>Runs what the input just made due (zero delays) and drops stale heads so NextDeadline is exact.</summary>
    private void Settle() => ProcessDue();

    private void ProcessDue()
    {
        while (true)
        {
            while (_timers.TryPeek(out var head, out _) && head.IsStale)
            {
                _timers.Dequeue();
            }

            var timeout = _timeouts.First?.Value;
            bool timerDue = _timers.TryPeek(out var item, out var key) && key.UtcTicks <= _now.UtcTicks;

            // Ties go to the device: a completion (or straggler) due at the very instant of the timeout counts as in time.
            if (timerDue && (timeout is null || key.UtcTicks <= timeout.TimeoutAt.UtcTicks))
            {
                _timers.Dequeue();
                RunTimer(item);
            }
            else if (timeout is not null && timeout.TimeoutAt <= _now)
            {
                OnTimeout(timeout);
            }
            else
            {
                return;
            }
        }
    }

    private void Schedule(DateTimeOffset at, TimerItem item) =>
        _timers.Enqueue(item, new TimerKey(at.UtcTicks, ++_timerSequence));

    private void RunTimer(TimerItem item)
    {
        switch (item.Kind)
        {
            case TimerKind.DeviceDone:
                item.Invalidation.DeviceDone = true;
                TryProgress(item.Invalidation);
                break;
            case TimerKind.Refusal:
                OnNegativeCompletion(item.Invalidation);
                break;
            case TimerKind.Straggler:
                RunStraggler(item);
                break;
        }
    }

    private DateTimeOffset After(TimeSpan delay) =>
        delay >= DateTimeOffset.MaxValue - _now ? DateTimeOffset.MaxValue : _now + delay;
}
