using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Host.Device;

/// <summary>
/// The one place the pure <see cref="AtsEngine"/> meets threads and time. Every input is serialized
/// under a lock, stamped with the real time (the engine reads it from a <see cref="SteppedClock"/>),
/// offered to the recorder, applied, and followed by its effects; the engine's next deadline arms a
/// timer. Threads waiting for an IOTLB update (a miss) wait on the same lock, so an update wakes them.
/// </summary>
public sealed class EngineGate : IDisposable
{
    private readonly object _gate = new();
    private readonly AtsEngine _engine;
    private readonly SteppedClock _clock;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Action<EngineEffect> _onEffect;
    private DateTimeOffset? _armedFor;
    private long _updateGeneration;

    public EngineGate(EngineOptions options, TimeProvider time, Action<EngineEffect> onEffect)
    {
        _time = time;
        _clock = new SteppedClock(time.GetUtcNow());
        EngineStart = _clock.Now;
        _engine = new AtsEngine(options, _clock);
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
            return query(_engine);
    }

    public void Apply(EngineInputKind kind, ulong id = 0, string? reason = null, FaultPolicy? policy = null) =>
        Apply(new EngineInput(kind, default, Id: id, Reason: reason, Policy: policy));

    public void Apply(EngineInput input)
    {
        lock (_gate)
            ApplyLocked(input);
    }

    public void OnIotlbUpdate(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        lock (_gate)
        {
            ApplyLocked(new EngineInput(EngineInputKind.IotlbUpdate, default, iova, size, uaddr, perm));
            _updateGeneration++;
            Monitor.PulseAll(_gate);
        }
    }

    public void EndAccess(AccessToken token) => Apply(new EngineInput(EngineInputKind.EndAccess, default, Id: token.Id));

    /// <summary>Wakes every thread waiting for an update (device stop, session end).</summary>
    public void WakeWaiters()
    {
        lock (_gate)
            Monitor.PulseAll(_gate);
    }

    /// <summary>
    /// Begins an access of <paramref name="length"/> bytes; on a miss, calls <paramref name="requestMiss"/>
    /// outside the lock and waits for the next update, up to <paramref name="missTimeout"/> or until
    /// <paramref name="abort"/> says stop (then the result is Miss).
    /// </summary>
    public AccessResult BeginAccess(ulong iova, ulong length, AccessKind kind, DmaPurpose purpose, Func<bool> requestMiss,
        TimeSpan missTimeout, Func<bool> abort, out AtcEntry entry, out AccessToken token)
    {
        var deadline = Environment.TickCount64 + (long)missTimeout.TotalMilliseconds;
        var askedAt = -1L;
        while (true)
        {
            long generation;
            lock (_gate)
            {
                Stamp(new EngineInput(EngineInputKind.BeginAccess, default, iova, length, Access: kind, Purpose: purpose));
                var result = _engine.BeginAccess(iova, length, kind, purpose, out entry, out token);
                Observer?.OnAccessResult(result);
                AfterCall();
                if (result != AccessResult.Miss)
                    return result;
                generation = _updateGeneration;
            }
            if (abort())
                return AccessResult.Miss;
            if (askedAt != generation)
            {
                // One MISS per update generation: QEMU answers each with an UPDATE (or nothing if unmapped).
                if (!requestMiss())
                    return AccessResult.Miss;
                askedAt = generation;
            }
            lock (_gate)
            {
                while (_updateGeneration == generation && !abort())
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0)
                        return AccessResult.Miss;
                    Monitor.Wait(_gate, (int)Math.Min(left, 100));
                }
            }
        }
    }

    private void ApplyLocked(EngineInput input)
    {
        input = Stamp(input);
        input.ApplyTo(_engine);
        AfterCall();
    }

    /// <summary>Sets the engine's clock to now and reports the stamped input to the observer.</summary>
    private EngineInput Stamp(EngineInput input)
    {
        var now = _time.GetUtcNow();
        if (now > _clock.Now)
            _clock.Now = now; // never backwards, even if the wall clock steps
        input = input with { At = _clock.Now };
        Observer?.OnInput(input);
        return input;
    }

    private void OnTimerFired()
    {
        lock (_gate)
        {
            // Forget the armed deadline: a timer that fires a tick early must be armed again.
            _armedFor = null;
            ApplyLocked(new EngineInput(EngineInputKind.Timer, default));
        }
    }

    private void AfterCall()
    {
        while (_engine.TryTakeEffect(out var effect))
        {
            Observer?.OnEffect(effect);
            _onEffect(effect);
        }
        var next = _engine.NextDeadline;
        if (next == _armedFor)
            return;
        _armedFor = next;
        if (next is { } at)
        {
            var due = at - _clock.Now;
            _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();
}
