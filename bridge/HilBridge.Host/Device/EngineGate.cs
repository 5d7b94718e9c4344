using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Host.Device;

/// <summary>
/// The one place the pure <see cref="AtsEngine"/> meets threads and time: every call is serialized
/// under a lock, effects are drained after each call, and the engine's next deadline arms a timer.
/// Callers waiting for an IOTLB update (a miss) wait on the same lock, so an update wakes them.
/// </summary>
public sealed class EngineGate : IDisposable
{
    private readonly object _gate = new();
    private readonly AtsEngine _engine;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Action<EngineEffect> _onEffect;
    private DateTimeOffset? _armedFor;
    private long _updateGeneration;

    public EngineGate(AtsEngine engine, TimeProvider time, Action<EngineEffect> onEffect)
    {
        _engine = engine;
        _time = time;
        _onEffect = onEffect;
        _timer = time.CreateTimer(_ => OnTimerFired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs one engine call under the lock, then dispatches its effects and re-arms the timer.</summary>
    public void Run(Action<AtsEngine> call)
    {
        lock (_gate)
        {
            call(_engine);
            AfterCall();
        }
    }

    public T Run<T>(Func<AtsEngine, T> call)
    {
        lock (_gate)
        {
            var result = call(_engine);
            AfterCall();
            return result;
        }
    }

    public void OnIotlbUpdate(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        lock (_gate)
        {
            _engine.OnIotlbUpdate(iova, size, uaddr, perm);
            _updateGeneration++;
            AfterCall();
            Monitor.PulseAll(_gate);
        }
    }

    public void EndAccess(AccessToken token)
    {
        lock (_gate)
        {
            _engine.EndAccess(token);
            AfterCall();
        }
    }

    /// <summary>Wakes every thread waiting for an update (device stop, session end).</summary>
    public void WakeWaiters()
    {
        lock (_gate)
            Monitor.PulseAll(_gate);
    }

    /// <summary>
    /// Begins an access; on a miss, calls <paramref name="requestMiss"/> outside the lock and waits for
    /// the next update, up to <paramref name="missTimeout"/> or until <paramref name="abort"/> says stop.
    /// </summary>
    public AccessResult BeginAccess(ulong iova, AccessKind kind, DmaPurpose purpose, Func<bool> requestMiss,
        TimeSpan missTimeout, Func<bool> abort, out Core.Atc.AtcEntry entry, out AccessToken token)
    {
        var deadline = Environment.TickCount64 + (long)missTimeout.TotalMilliseconds;
        var askedAt = -1L;
        while (true)
        {
            long generation;
            lock (_gate)
            {
                var result = _engine.BeginAccess(iova, kind, purpose, out entry, out token);
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

    private void OnTimerFired()
    {
        lock (_gate)
        {
            // Forget the armed deadline: a timer that fires a tick early must be armed again.
            _armedFor = null;
            _engine.OnTimer();
            AfterCall();
        }
    }

    private void AfterCall()
    {
        while (_engine.TryTakeEffect(out var effect))
            _onEffect(effect);
        var next = _engine.NextDeadline;
        if (next == _armedFor)
            return;
        _armedFor = next;
        if (next is { } at)
        {
            var due = at - _time.GetUtcNow();
            _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();
}
