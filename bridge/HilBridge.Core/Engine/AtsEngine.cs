using System.Runtime.CompilerServices;
using HilBridge.Core.Dma;

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
/// The engine keeps the invalidation lifecycle, the timers and the effects; it composes the
/// <see cref="FaultRuleSelector"/> (how the device answers), the <see cref="TranslationLedger"/> (the
/// use-after-free checker) and the <see cref="FenceController"/>, which share its lock.
/// </remarks>
public sealed partial class AtsEngine
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private uint? _streamId;
    private readonly ulong _refusedStatus;
    private readonly DateTimeOffset _start;
    private DateTimeOffset _now;

    private readonly FaultRuleSelector _selector;
    private readonly TranslationLedger _ledger;
    private readonly FenceController _fence;
    private readonly Queue<EngineEffect> _effects = new();
    private readonly TimerQueue _timers = new();

    private readonly LinkedList<Invalidation> _live = new();
    private readonly LinkedList<Invalidation> _timeouts = new();
    private readonly EnginePool _pool = new();
    private readonly List<Invalidation> _holderScratch = new();
    private readonly List<Invalidation> _liveScratch = new();
    private int _unacked;

    // No scheduled timer (live or stale) and no armed timeout is due before this: a lower bound, lowered
    // when one is added and made exact again when ProcessDue finds nothing due. Until engine time reaches
    // it, the checks before and after every input cost one comparison.
    private long _nothingDueBefore = long.MaxValue;

    public AtsEngine(EngineOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _time = time;
        _timeout = options.InvalidationTimeout;
        _streamId = options.StreamId;
        _refusedStatus = options.RefusedAckStatus;
        _selector = new FaultRuleSelector(options.Policy, options.Seed);
        _ledger = new TranslationLedger(options.AtcCapacity, _pool, options.ExactInvalidation);
        _fence = new FenceController(options.FencePolicy, options.FenceMode);
        _start = _now = time.GetUtcNow();
    }

    public EngineCounters Counters { get; } = new();

    public FenceState FenceState => _fence.State;

    public FencePolicy FencePolicy => _fence.Policy;

    public FenceMode FenceMode => _fence.Mode;

    public FaultPolicy Policy => _selector.Policy;

    /// <summary>Translations currently cached.</summary>
    public int AtcCount => _ledger.AtcCount;

    /// <summary>Whether the ATC holds a translation of <paramref name="iova"/> that allows <paramref name="kind"/> (a query: no input, no counter).</summary>
    public bool Caches(ulong iova, AccessKind kind) => _ledger.TryLookup(iova, out var entry) && entry.Allows(kind);

    /// <summary>
    /// Appends the ATC's translations, in IOVA order, to <paramref name="into"/> (for checkers: an exact
    /// invalidation re-caches what a larger translation has outside its range under new Ids).
    /// </summary>
    public void CopyAtc(List<Atc.AtcEntry> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.AddRange(_ledger.Cache.Entries);
    }

    /// <summary>
    /// The Id the ATC gave its newest translation (an update's, or the rest of one an exact invalidation
    /// cut; the rest may be gone again by the end of the call, e.g. flushed by the fence a refusal raises).
    /// </summary>
    public ulong LastAtcId => _ledger.Cache.LastId;

    /// <summary>Invalidations not yet answered to QEMU.</summary>
    public int PendingInvalidations => _unacked;

    /// <summary>Accesses between BeginAccess and EndAccess.</summary>
    public int InFlightAccesses => _ledger.InFlightAccesses;

    /// <summary>When the host must call <see cref="OnTimer"/> next; null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = _timeouts.First?.Value.TimeoutAt;
            if (_timers.NextLiveDueTicks is long ticks && (next is null || ticks < next.Value.UtcTicks))
            {
                next = new DateTimeOffset(ticks, TimeSpan.Zero);
            }

            return next;
        }
    }

    // For tests: the UAF history and the live list must shrink back once nothing can reference them.
    internal int TrackedCaptures => _ledger.TrackedCaptures;

    internal int LiveInvalidations => _live.Count;

    /// <summary>The device's StreamID, once learned (QEMU only knows it after the guest numbered the bus).</summary>
    public uint? StreamId => _streamId;

    /// <summary>Sets the StreamID that CFGI_STE must name for recovery and that violations report.</summary>
    public void SetStreamId(uint streamId) => _streamId = streamId;

    /// <summary>Replaces the fault policy; it decides from the next invalidation on (rule counters restart).</summary>
    public void SetPolicy(FaultPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _selector.SetPolicy(policy);
    }

    /// <summary>Processes everything due at the provider's current time.</summary>
    public void OnTimer()
    {
        Advance();
        Settle();
    }

    /// <summary>Whether an effect waits for <see cref="TryTakeEffect"/> (most inputs cause none).</summary>
    internal bool HasEffects => _effects.Count > 0;

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

    /// <summary>Runs what the input just made due (zero delays).</summary>
    private void Settle() => ProcessDue();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ProcessDue()
    {
        if (_now.UtcTicks >= _nothingDueBefore)
        {
            ProcessDueNow();
        }
    }

    private void ProcessDueNow()
    {
        while (true)
        {
            var timeout = _timeouts.First?.Value;
            bool timerLive = _timers.TryPeekLive(out var item, out long dueTicks);
            bool timerDue = timerLive && dueTicks <= _now.UtcTicks;

            // Ties go to the device: a completion (or straggler) due at the very instant of the timeout counts as in time.
            if (timerDue && (timeout is null || dueTicks <= timeout.TimeoutAt.UtcTicks))
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
                _nothingDueBefore = Math.Min(timerLive ? dueTicks : long.MaxValue, timeout?.TimeoutAt.UtcTicks ?? long.MaxValue);
                return;
            }
        }
    }

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

    private void Schedule(DateTimeOffset at, TimerItem item)
    {
        _timers.Schedule(at, item);
        _nothingDueBefore = Math.Min(_nothingDueBefore, at.UtcTicks);
    }

    private DateTimeOffset After(TimeSpan delay) =>
        delay >= DateTimeOffset.MaxValue - _now ? DateTimeOffset.MaxValue : _now + delay;
}
