using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Live.Device;

/// <summary>
/// The one place the pure engine meets threads and time. Every input is stamped with the real time and
/// stepped under a lock by the <see cref="EngineStepper"/> (which shows it and its effects to the observer);
/// the engine's next deadline arms a timer. Threads waiting for an IOTLB update (a miss) wait on the same
/// lock, so an update wakes them.
/// </summary>
public sealed class EngineGate : IDisposable
{
    private readonly object _gate = new();
    private readonly EngineStepper _stepper;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Action<EngineEffect> _onEffect;
    private DateTimeOffset? _armedFor;
    private long _updateGeneration;
    // Pages asked for ahead (Prefetch) and not answered yet, with when: an access to one waits for the
    // answer instead of sending a second MISS. An old request is presumed unanswered (QEMU sends nothing
    // for an IOVA the guest has not mapped) and no longer holds a miss back. Times are _time's timestamps.
    private readonly Dictionary<ulong, long> _requested = [];
    private readonly List<ulong> _answered = [];
    private const ulong PageMask = 0xfff;
    private static readonly TimeSpan RequestedForget = TimeSpan.FromSeconds(1);
    private const int RequestedLimit = 4096;
    // A bound on one buffer's burst of MISS messages (1 MiB of 4 KiB pages); the rest are asked for one at a time.
    private const int MaxPrefetchPages = 256;

    public EngineGate(EngineOptions options, TimeProvider time, Action<EngineEffect> onEffect)
    {
        _time = time;
        _stepper = new EngineStepper(options, time.GetUtcNow(), new Relay(this));
        EngineStart = _stepper.Now;
        _onEffect = onEffect;
        _timer = time.CreateTimer(_ => OnTimerFired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The engine's start time (its clock at construction): FaultRule From/Until count from it, so replay needs it.</summary>
    public DateTimeOffset EngineStart { get; }

    /// <summary>Sees every input and effect in order, under the lock (the trace recorder).</summary>
    public IEngineObserver? Observer { get; set; }

    /// <summary>Reads engine state (no input, no effects).</summary>
    public T Read<T>(Func<AtsEngine, T> query)
    {
        lock (_gate)
        {
            return query(_stepper.Engine);
        }
    }

    public void Apply(EngineInputKind kind, ulong id = 0, string? reason = null, FaultPolicy? policy = null) =>
        Apply(new EngineInput(kind, default, Id: id, Reason: reason, Policy: policy));

    public void Apply(EngineInput input)
    {
        lock (_gate)
        {
            StepLocked(input);
        }
    }

    public void OnIotlbUpdate(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        lock (_gate)
        {
            StepLocked(new EngineInput(EngineInputKind.IotlbUpdate, default, iova, size, uaddr, perm));
            ForgetAnswered(iova, size);
            _updateGeneration++;
            Monitor.PulseAll(_gate);
        }
    }

    public void EndAccess(AccessToken token) => Apply(new EngineInput(EngineInputKind.EndAccess, default, Id: token.Id));

    /// <summary>Wakes every thread waiting for an update (device stop, session end).</summary>
    public void WakeWaiters()
    {
        lock (_gate)
        {
            _requested.Clear();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Begins an access of <paramref name="length"/> bytes; on a miss, calls <paramref name="requestMiss"/>
    /// outside the lock and waits for the next update, up to <paramref name="missTimeout"/> of the gate's clock
    /// or until <paramref name="abort"/> says stop (then the result is Miss). The wait itself is a real one on
    /// the lock, in slices of at most 100 ms, so a test clock's advance is seen within a slice.
    /// </summary>
    public AccessResult BeginAccess(ulong iova, ulong length, AccessKind kind, DmaPurpose purpose, Func<bool> requestMiss,
        TimeSpan missTimeout, Func<bool> abort, out AtcEntry entry, out AccessToken token)
    {
        var missStart = _time.GetTimestamp();
        var askedAt = -1L;
        while (true)
        {
            long generation;
            lock (_gate)
            {
                if (askedAt < 0 && TakeRequested(iova))
                {
                    // Already asked for by a prefetch: that MISS stands for this generation's.
                    askedAt = _updateGeneration;
                }

                var step = StepLocked(new EngineInput(EngineInputKind.BeginAccess, default, iova, length, Access: kind, Purpose: purpose));
                var result = step.Result!.Value;
                entry = step.Entry;
                token = step.Token;
                if (result != AccessResult.Miss)
                {
                    return result;
                }

                generation = _updateGeneration;
            }
            if (abort())
            {
                return AccessResult.Miss;
            }

            if (askedAt != generation)
            {
                // One MISS per update generation: QEMU answers each with an UPDATE (or nothing if unmapped).
                if (!requestMiss())
                {
                    return AccessResult.Miss;
                }

                askedAt = generation;
            }
            lock (_gate)
            {
                while (_updateGeneration == generation && !abort())
                {
                    var left = missTimeout - _time.GetElapsedTime(missStart);
                    if (left <= TimeSpan.Zero)
                    {
                        return AccessResult.Miss;
                    }

                    Monitor.Wait(_gate, (int)Math.Clamp(Math.Ceiling(left.TotalMilliseconds), 1, 100));
                }
            }
        }
    }

    /// <summary>Whether the device is fenced now (by any origin).</summary>
    public bool IsFenced
    {
        get
        {
            lock (_gate)
            {
                return _stepper.Engine.FenceState.IsFenced;
            }
        }
    }

    /// <summary>
    /// Sends a MISS (through <paramref name="requestMiss"/>, outside the lock) for each 4 KiB page of
    /// [<paramref name="iova"/>, +<paramref name="length"/>) whose translation the ATC does not hold for
    /// <paramref name="kind"/> and that is not already asked for, without waiting for the answers (they
    /// arrive as UPDATEs, in order). Nothing while the device is fenced: a fenced device asks for nothing.
    /// </summary>
    public void Prefetch(ulong iova, ulong length, AccessKind kind, Func<ulong, AccessKind, bool> requestMiss)
    {
        if (length == 0)
        {
            return;
        }

        var last = iova + (length - 1) < iova ? ulong.MaxValue : iova + (length - 1);
        var budget = MaxPrefetchPages;
        for (var page = iova & ~PageMask; budget > 0; page += PageMask + 1, budget--)
        {
            var address = Math.Max(page, iova);
            bool ask;
            lock (_gate)
            {
                var engine = _stepper.Engine;
                ask = !engine.FenceState.IsFenced && !engine.Caches(address, kind) && !IsRequested(page);
                if (ask)
                {
                    if (_requested.Count >= RequestedLimit)
                    {
                        _requested.Clear();
                    }

                    _requested[page] = _time.GetTimestamp();
                }
            }

            if (ask && !requestMiss(address, kind))
            {
                lock (_gate)
                {
                    _requested.Remove(page);
                }

                return;
            }

            if (last - page <= PageMask)
            {
                return;
            }
        }
    }

    private bool IsRequested(ulong page) =>
        _requested.TryGetValue(page, out var at) && _time.GetElapsedTime(at) < RequestedForget;

    /// <summary>Whether the page of <paramref name="iova"/> was asked for recently; forgets it either way (the access now waits for it).</summary>
    private bool TakeRequested(ulong iova)
    {
        if (_requested.Count == 0)
        {
            return false;
        }

        var page = iova & ~PageMask;
        var requested = IsRequested(page);
        _requested.Remove(page);
        return requested;
    }

    /// <summary>Pages an UPDATE answered are no longer outstanding.</summary>
    private void ForgetAnswered(ulong iova, ulong size)
    {
        if (_requested.Count == 0 || size == 0)
        {
            return;
        }

        if (size <= 64 * (PageMask + 1))
        {
            for (var page = iova & ~PageMask; page - (iova & ~PageMask) < size; page += PageMask + 1)
            {
                _requested.Remove(page);
            }
        }
        else
        {
            // A large translation (e.g. the whole of RAM): whatever it covers is answered. No lambda here: its
            // closure would be allocated on every call, before the early return (an UPDATE must allocate nothing).
            _answered.Clear();
            foreach (var page in _requested.Keys)
            {
                if (page - (iova & ~PageMask) < size)
                {
                    _answered.Add(page);
                }
            }

            foreach (var page in _answered)
            {
                _requested.Remove(page);
            }
        }
    }

    /// <summary>Steps the engine at the real time (the stepper never lets it go backwards, even if the wall clock steps), then re-arms the timer.</summary>
    private StepResult StepLocked(in EngineInput input)
    {
        var step = _stepper.Step(input with { At = _time.GetUtcNow() });
        ArmTimer();
        return step;
    }

    private void OnTimerFired()
    {
        lock (_gate)
        {
            // Forget the armed deadline: a timer that fires a tick early must be armed again.
            _armedFor = null;
            StepLocked(new EngineInput(EngineInputKind.Timer, default));
        }
    }

    private void ArmTimer()
    {
        var next = _stepper.Engine.NextDeadline;
        if (next == _armedFor)
        {
            return;
        }

        _armedFor = next;
        if (next is { } at)
        {
            var due = at - _stepper.Now;
            _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>The stepper's observer: the recorder sees each record first, then the host acts on the effect.</summary>
    private sealed class Relay(EngineGate gate) : IEngineObserver
    {
        public void OnInput(in EngineInput input, AccessResult? result) => gate.Observer?.OnInput(input, result);

        public void OnEffect(in EngineEffect effect)
        {
            gate.Observer?.OnEffect(effect);
            gate._onEffect(effect);
        }
    }
}
