using HilBridge.Core.Blk;
using HilBridge.Core.Virtio;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Device;

/// <summary>
/// The device's one DMA thread: waits on the kick eventfds of the running rings and processes their
/// requests. The session thread changes rings and memory only while the worker is parked
/// (<see cref="Pause"/>), so a mapping is never unmapped under a copy.
/// </summary>
internal sealed partial class QueueWorker : IDisposable
{
    private readonly VringSlot[] _rings;
    private readonly VirtioBlkRequestProcessor _processor;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly EventFd _wake = EventFd.Create();
    private readonly object _pauseGate = new();
    private bool _parked;
    private readonly List<DescriptorSegment> _chain = new(64);
    private readonly Tracker _tracker;
    private readonly Thread _thread;
    private readonly Action<ushort, RequestResult> _logUnsuccessful;
    private uint _logRing;
    private long _unsuccessfulLogged;
    private volatile bool _pauseRequested;
    private volatile bool _halted;
    private volatile bool _disposed;

    public QueueWorker(VringSlot[] rings, VirtioBlkRequestProcessor processor, DeviceCounters counters, ILogger logger)
    {
        _rings = rings;
        _processor = processor;
        _counters = counters;
        _logger = logger;
        _tracker = new Tracker(counters);
        _logUnsuccessful = LogUnsuccessful;
        _thread = new Thread(Run) { IsBackground = true, Name = "hb-queue-worker" };
        _thread.Start();
    }

    /// <summary>True while a pause is requested: DMA waiting for an ATC miss gives up at once.</summary>
    public bool Stopping => _pauseRequested || _halted || _disposed;

    /// <summary>Parks the worker and returns a scope that resumes it. Call only from the session thread.</summary>
    public PauseScope Pause(Action wakeDmaWaiters)
    {
        lock (_pauseGate)
        {
            _pauseRequested = true;
        }

        _wake.Signal();
        wakeDmaWaiters();
        lock (_pauseGate)
        {
            while (!_parked)
            {
                Monitor.Wait(_pauseGate);
            }
        }
        return new PauseScope(this);
    }

    /// <summary>
    /// Parks the worker for good (DMA in flight is aborted, nothing is completed any more) and returns
    /// once it is parked. The bridge calls this before it drops the connection: QEMU reads the used
    /// index the moment it sees the socket close, and a completion published after that would be
    /// redone by the next back-end, writing buffers the guest has already reused.
    /// </summary>
    public void Halt(Action wakeDmaWaiters)
    {
        lock (_pauseGate)
        {
            _halted = true;
        }

        _wake.Signal();
        wakeDmaWaiters();
        lock (_pauseGate)
        {
            while (!_parked && _thread.IsAlive)
            {
                Monitor.Wait(_pauseGate, 100);
            }
        }
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
            while ((_pauseRequested || _halted) && !_disposed)
            {
                Monitor.Wait(_pauseGate);
            }

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
            if (_pauseRequested || _halted)
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
            {
                _wake.TryConsume(out _);
            }

            for (var i = 0; i < count && !Stopping; i++)
            {
                if (!ready[i + 1])
                {
                    continue;
                }

                polled[i].Kick!.TryConsume(out _);
                polled[i].PendingScan = true;
            }
            foreach (var ring in _rings)
            {
                if (Stopping || !IsRunning(ring) || !ring.PendingScan)
                {
                    continue;
                }

                ring.PendingScan = false;
                try
                {
                    Process(ring);
                }
                catch (Exception e)
                {
                    // A bug of ours must stop this ring, not the process (this is a bare thread).
                    ring.Broken = true;
                    Interlocked.Increment(ref _counters.WorkerFaults);
                    LogWorkerFault(ring.Index, e);
                }
            }
        }
        lock (_pauseGate)
        {
            _parked = true;
            Monitor.PulseAll(_pauseGate);
        }
    }

    /// <summary>Names every request that failed or lost its status byte (the first MaxUnsuccessfulLogged, then every 1000th): a soak's data mismatch is traced back through these.</summary>
    private void LogUnsuccessful(ushort head, RequestResult r)
    {
        var n = ++_unsuccessfulLogged;
        if (n > MaxUnsuccessfulLogged && n % 1000 != 0)
        {
            return;
        }

        var bytes = r.BytesRead + r.BytesWritten;
        if (r.StatusWritten)
        {
            LogRequestFailed(_logRing, head, r.Type, r.Sector, r.Status, r.Outcome, bytes, n);
        }
        else if (r.StatusDma == Core.Dma.DmaStatus.Unanswered)
        {
            LogStatusUnanswered(_logRing, head, r.Type, r.Sector, r.Status, r.Outcome, bytes, n);
        }
        else
        {
            LogStatusUnwritten(_logRing, head, r.Type, r.Sector, r.Status, r.Outcome, r.StatusDma, bytes, n);
        }
    }

    private const int MaxUnsuccessfulLogged = 1000;

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "vring {Index} head {Head}: {Type} sector {Sector} completed {Status} ({Outcome}), {Bytes} bytes moved [#{Count}]")]
    private partial void LogRequestFailed(uint index, ushort head, VirtioBlkRequestType type, ulong sector, VirtioBlkStatus status, RequestOutcome outcome, ulong bytes, long count);

    [LoggerMessage(EventId = 216, Level = LogLevel.Warning, Message = "vring {Index} head {Head}: {Type} sector {Sector} completed WITHOUT its status byte ({StatusDma}; meant {Status}, {Outcome}), {Bytes} bytes moved [#{Count}]")]
    private partial void LogStatusUnwritten(uint index, ushort head, VirtioBlkRequestType type, ulong sector, VirtioBlkStatus status, RequestOutcome outcome, Core.Dma.DmaStatus statusDma, ulong bytes, long count);

    [LoggerMessage(EventId = 217, Level = LogLevel.Error, Message = "vring {Index} head {Head}: {Type} sector {Sector} NOT completed: its status byte's translation stayed unanswered (meant {Status}, {Outcome}), {Bytes} bytes moved; the ring stops until the guest re-initialises it [#{Count}]")]
    private partial void LogStatusUnanswered(uint index, ushort head, VirtioBlkRequestType type, ulong sector, VirtioBlkStatus status, RequestOutcome outcome, ulong bytes, long count);

    private static bool IsRunning(VringSlot ring) => ring.Started && ring.Enabled && ring.Queue is not null && !ring.Queue.IsFaulted && !ring.Broken;

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "vring {Index} faulted: {Error}; it stays stopped until the guest re-initialises it")]
    private partial void LogQueueFault(uint index, string error);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "vring {Index}: used ring unreadable, resuming at {Base} without the inflight area")]
    private partial void LogResumeUnreadable(uint index, ushort @base);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "vring {Index}: taking over at used index {Used} (SET_VRING_BASE {Base}); {Count} in-flight requests resubmitted")]
    private partial void LogResumed(uint index, ushort used, ushort @base, int count);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "vring {Index}: {Count} in-flight heads are not the avail entries after the used index; the ring wins")]
    private partial void LogResumeMismatch(uint index, int count);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "vring {Index}: the queue worker failed; the ring stays stopped until it is set up again")]
    private partial void LogWorkerFault(uint index, Exception exception);

    private void Process(VringSlot ring)
    {
        if (ring.ResumePending)
        {
            ring.ResumePending = false;
            Resume(ring);
        }
        _tracker.Area = ring.Inflight;
        _logRing = ring.Index;
        var result = VirtioBlkQueueProcessor.ProcessAvailable(ring.Queue!, _processor, _chain, _tracker, _logUnsuccessful);
        // Whatever did not publish was abandoned (aborted by a stop): the next start fetches it again.
        Volatile.Write(ref _counters.InFlight, 0);
        Interlocked.Add(ref _counters.Requests, result.Completed + result.Failed + result.BadChains);
        Interlocked.Add(ref _counters.RequestErrors, result.Failed + result.BadChains);
        Interlocked.Add(ref _counters.BadChains, result.BadChains);
        Interlocked.Add(ref _counters.StatusUnwritten, result.StatusUnwritten);
        Interlocked.Add(ref _counters.BytesRead, (long)result.BytesRead);
        Interlocked.Add(ref _counters.BytesWritten, (long)result.BytesWritten);
        if (!result.QueueError.IsNone)
        {
            Interlocked.Increment(ref _counters.QueueFaults);
            LogQueueFault(ring.Index, result.QueueError.ToString());
        }
        if (result.Notify && ring.Call is { } call)
        {
            call.Signal();
            Interlocked.Increment(ref _counters.Notifications);
        }
    }

    private void Resume(VringSlot ring)
    {
        if (ring.Inflight is null)
        {
            return;
        }

        var resume = InflightResume.Run(ring);
        if (resume.UsedIdx is null)
        {
            LogResumeUnreadable(ring.Index, resume.PreviousBase);
            return;
        }
        if (resume.Fresh)
        {
            return;
        }

        Interlocked.Add(ref _counters.Resubmitted, resume.Resubmitted);
        LogResumed(ring.Index, resume.UsedIdx.Value, resume.PreviousBase, resume.Resubmitted);
        if (resume.Mismatched > 0)
        {
            LogResumeMismatch(ring.Index, resume.Mismatched);
        }
        // The previous back-end may have published a completion and died before signalling it.
        ring.Call?.Signal();
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

    /// <summary>Counts requests between pop and publish (for statistics) and passes each step on to the ring's inflight area.</summary>
    private sealed class Tracker(DeviceCounters counters) : IInflightTracker
    {
        public InflightQueue? Area { get; set; }

        public void Popped(ushort head)
        {
            Interlocked.Increment(ref counters.InFlight);
            Area?.Popped(head);
        }

        public void Publishing(ushort head) => Area?.Publishing(head);

        public void Published(ushort head, ushort usedIdx)
        {
            Area?.Published(head, usedIdx);
            Interlocked.Decrement(ref counters.InFlight);
        }
    }

    public readonly struct PauseScope(QueueWorker worker) : IDisposable
    {
        public void Dispose() => worker.Resume();
    }
}
