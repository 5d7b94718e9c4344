using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Recording;

/// <summary>
/// Records a live run: every engine input (BeginAccess with its result) and effect, plus the SMMU command
/// stream and the guest's reports, into a .hbt file. Engine callbacks arrive under the engine lock, so
/// each record is only encoded into a buffer here (no allocation for inputs and effects); full buffers
/// go to disk on a background thread, and a timer pushes partial ones every <see cref="FlushInterval"/>
/// so a crash loses at most that much. Never throws into the engine: a disk error stops the recording
/// and is reported by <see cref="Failure"/>.
/// </summary>
public sealed class TraceRecorder : IEngineObserver, IDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private readonly object _lock = new();
    private readonly BackgroundFileStream _sink;
    private readonly TraceWriter _writer;
    private readonly TimeProvider _time;
    private readonly ITimer _flushTimer;
    private bool _closed;
    private long _dropped;

    private TraceRecorder(string path, TraceHeader header, TimeProvider time)
    {
        Path = path;
        _time = time;
        _sink = new BackgroundFileStream(path);
        _writer = new TraceWriter(_sink, header, leaveOpen: true);
        _flushTimer = time.CreateTimer(_ => FlushNow(), null, FlushInterval, FlushInterval);
    }

    /// <summary>Creates <paramref name="path"/> (replacing it) and writes the header.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static TraceRecorder Create(string path, TraceHeader header, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(time);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        header.Source = string.IsNullOrEmpty(header.Source) ? "live" : header.Source;
        return new TraceRecorder(path, header, time);
    }

    public string Path { get; }

    /// <summary>Records written so far (header excluded).</summary>
    public long Records
    {
        get { lock (_lock)
            {
                return _writer.Records;
            }
        }
    }

    /// <summary>Bytes written so far (buffered or on disk).</summary>
    public long Bytes
    {
        get { lock (_lock)
            {
                return _writer.Length;
            }
        }
    }

    /// <summary>The error that stopped the recording (disk full, ...), or null.</summary>
    public Exception? Failure => _sink.Failure;

    public void OnInput(in EngineInput input, AccessResult? result)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            WriteInput(input, result);
        }
    }

    public void OnEffect(in EngineEffect effect)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                _writer.WriteEffect(effect);
            }
            catch (Exception ex) when (IsRecordingError(ex))
            {
                _dropped++;
            }
        }
    }

    /// <summary>The host's measured latency of an acknowledgement (under the engine lock, like the effect it follows).</summary>
    public void RecordAckMeasured(ulong requestId, TimeSpan latency)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                _writer.WriteAckMeasured(_time.GetUtcNow(), new AckMeasurement(requestId, latency));
            }
            catch (Exception ex) when (IsRecordingError(ex))
            {
                _dropped++;
            }
        }
    }

    /// <summary>A line of QEMU's SMMU trace (from the trace tap thread).</summary>
    public void RecordSmmu(string name, string message) =>
        Record(w => w.WriteSmmu(_time.GetUtcNow(), name, message));

    /// <summary>A guest console report (from the console thread).</summary>
    public void RecordGuest(string kind, IEnumerable<KeyValuePair<string, string>> fields, TimeSpan receivedAfterLaunch) =>
        Record(w => w.WriteGuest(_time.GetUtcNow(), kind, fields, receivedAfterLaunch));

    /// <summary>The run's judged summary, so replay can judge the verdict again.</summary>
    public void RecordRunEnd(string outcome, string? reason, string summaryJson, uint? streamId)
    {
        var record = new RunEndRecord { Outcome = outcome, Reason = reason ?? "", SummaryJson = summaryJson };
        if (streamId is uint sid)
        {
            record.StreamId = sid;
        }

        Record(w => w.WriteRunEnd(_time.GetUtcNow(), record));
    }

    /// <summary>Writes the end record and waits until everything is on disk.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            Guard(() => _writer.Complete(_time.GetUtcNow(), _dropped));
            _closed = true;
        }

        _flushTimer.Dispose();
        _sink.WaitDrained();
        _sink.Dispose();
    }

    private void Record(Action<TraceWriter> write)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            // Side records come from other threads (trace tap, console) and land between engine records:
            // replay ignores where they sit among them; their own time says when they happened.
            Guard(() => write(_writer));
        }
    }

    // The hot path: no closures, no allocation.
    private void WriteInput(in EngineInput input, AccessResult? result)
    {
        try
        {
            _writer.WriteInput(input, result);
        }
        catch (Exception ex) when (IsRecordingError(ex))
        {
            _dropped++;
        }
    }

    private void FlushNow()
    {
        lock (_lock)
        {
            if (!_closed)
            {
                Guard(_writer.Flush);
            }
        }
    }

    // Encoding cannot fail on valid engine values; anything unexpected costs one record, never the run.
    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (IsRecordingError(ex))
        {
            _dropped++;
        }
    }

    private static bool IsRecordingError(Exception ex) => ex is ArgumentException or IOException or ObjectDisposedException;
}
