using HilBridge.Core.Blk;
using HilBridge.Core.Virtio;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;

namespace HilBridge.Host.Device;

/// <summary>
/// The device's one DMA thread: waits on the kick eventfds of the running rings and processes their
/// requests. The session thread changes rings and memory only while the worker is parked
/// (<see cref="Pause"/>), so a mapping is never unmapped under a copy.
/// </summary>
internal sealed class QueueWorker : IDisposable
{
    private readonly VringSlot[] _rings;
    private readonly VirtioBlkRequestProcessor _processor;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly EventFd _wake = EventFd.Create();
    private readonly object _pauseGate = new();
    private bool _parked;
    private readonly List<DescriptorSegment> _chain = new(64);
    private readonly Thread _thread;
    private volatile bool _pauseRequested;
    private volatile bool _disposed;

    public QueueWorker(VringSlot[] rings, VirtioBlkRequestProcessor processor, DeviceCounters counters, ILogger logger)
    {
        _rings = rings;
        _processor = processor;
        _counters = counters;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "hb-queue-worker" };
        _thread.Start();
    }

    /// <summary>True while a pause is requested: DMA waiting for an ATC miss gives up at once.</summary>
    public bool Stopping => _pauseRequested || _disposed;

    /// <summary>Parks the worker and returns a scope that resumes it. Call only from the session thread.</summary>
    public PauseScope Pause(Action wakeDmaWaiters)
    {
        lock (_pauseGate)
            _pauseRequested = true;
        _wake.Signal();
        wakeDmaWaiters();
        lock (_pauseGate)
        {
            while (!_parked)
                Monitor.Wait(_pauseGate);
        }
        return new PauseScope(this);
    }

    /// <summary>Asks the worker to look at the rings again (after a start or an enable).</summary>
    public void Nudge() => _wake.Signal();

    private void Resume()
    {
        lock (_pauseGate)
        {
            _pauseRequested = false;
            Monitor.PulseAll(_pauseGate);
        }
    }

    /// <summary>Parks until the pause ends; a new pause may begin before the worker wakes, which is fine.</summary>
    private void Park()
    {
        lock (_pauseGate)
        {
            _parked = true;
            Monitor.PulseAll(_pauseGate);
            while (_pauseRequested && !_disposed)
                Monitor.Wait(_pauseGate);
            _parked = false;
        }
    }

    private void Run()
    {
        Span<bool> ready = stackalloc bool[_rings.Length + 1];
        var handles = new EventFd?[_rings.Length + 1];
        var polled = new VringSlot[_rings.Length];
        while (!_disposed)
        {
            if (_pauseRequested)
            {
                Park();
                continue;
            }
            // Only live kick fds: the poll helper reports a null handle as ready.
            handles[0] = _wake;
            var count = 0;
            foreach (var ring in _rings)
            {
                if (IsRunning(ring) && ring.Kick is { } kick)
                {
                    polled[count] = ring;
                    handles[++count] = kick;
                }
            }
            ready.Clear();
            FdPoll.WaitReadable(handles.AsSpan(0, count + 1), ready[..(count + 1)], 1000);
            if (ready[0])
                _wake.TryConsume(out _);
            for (var i = 0; i < count && !_pauseRequested; i++)
            {
                if (!ready[i + 1])
                    continue;
                polled[i].Kick!.TryConsume(out _);
                polled[i].PendingScan = true;
            }
            foreach (var ring in _rings)
            {
                if (_pauseRequested || !IsRunning(ring) || !ring.PendingScan)
                    continue;
                ring.PendingScan = false;
                Process(ring);
            }
        }
        lock (_pauseGate)
        {
            _parked = true;
            Monitor.PulseAll(_pauseGate);
        }
    }

    private static bool IsRunning(VringSlot ring) => ring.Started && ring.Enabled && ring.Queue is not null && !ring.Queue.IsFaulted;

    private void Process(VringSlot ring)
    {
        var result = VirtioBlkQueueProcessor.ProcessAvailable(ring.Queue!, _processor, _chain);
        Interlocked.Add(ref _counters.Requests, result.Completed + result.Failed + result.BadChains);
        Interlocked.Add(ref _counters.RequestErrors, result.Failed + result.BadChains);
        Interlocked.Add(ref _counters.BadChains, result.BadChains);
        Interlocked.Add(ref _counters.BytesRead, (long)result.BytesRead);
        Interlocked.Add(ref _counters.BytesWritten, (long)result.BytesWritten);
        if (!result.QueueError.IsNone)
        {
            Interlocked.Increment(ref _counters.QueueFaults);
            _logger.LogError("vring {Index} faulted: {Error}; it stays stopped until the guest re-initialises it", ring.Index, result.QueueError);
        }
        if (result.Notify && ring.Call is { } call)
        {
            call.Signal();
            Interlocked.Increment(ref _counters.Notifications);
        }
    }

    public void Dispose()
    {
        lock (_pauseGate)
        {
            _disposed = true;
            Monitor.PulseAll(_pauseGate);
        }
        _wake.Signal();
        _thread.Join(TimeSpan.FromSeconds(5));
        _wake.Dispose();
    }

    public readonly struct PauseScope(QueueWorker worker) : IDisposable
    {
        public void Dispose() => worker.Resume();
    }
}
