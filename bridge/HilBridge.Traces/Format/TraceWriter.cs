using Google.Protobuf;
using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>
/// Writes a .hbt file: the file header and header frame, then one frame per record, encoded straight
/// into a reusable buffer that goes to the stream when full. Single-threaded; <see cref="Recording.TraceRecorder"/>
/// adds the lock and the background thread for live runs.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    public const int DefaultBufferBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _position;
    private long _lastTicks;
    private bool _completed;

    /// <summary>Writes the file header and <paramref name="header"/> at once.</summary>
    public TraceWriter(Stream stream, TraceHeader header, bool leaveOpen = false, int bufferBytes = DefaultBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[Math.Max(bufferBytes, 4096)];
        header.FormatVersion = TraceFormat.Version;
        TraceFormat.WriteFileHeader(_buffer);
        _position = TraceFormat.FileHeaderBytes;
        WriteFrame(header.ToByteArray());
        _lastTicks = header.EngineStartTicks;
    }

    public static TraceWriter Create(string path, TraceHeader header) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.SequentialScan), header);

    /// <summary>Records written after the header.</summary>
    public long Records { get; private set; }

    /// <summary>Bytes handed to the stream or still buffered.</summary>
    public long Length { get; private set; }

    public void WriteInput(in EngineInput input, AccessResult? result = null)
    {
        byte[]? policy = input.Policy is { } p ? OptionsCodec.ToMessage(p).ToByteArray() : null;
        EnsureRoom(RecordCodec.InputBound(input, policy?.Length ?? 0));
        var w = new WireWriter(_buffer, _position);
        int frame = w.BeginMessage();
        RecordCodec.EncodeInput(ref w, Dt(input.At), input, result, policy);
        EndFrame(ref w, frame);
    }

    public void WriteEffect(in EngineEffect effect)
    {
        EnsureRoom(RecordCodec.EffectBound(effect));
        var w = new WireWriter(_buffer, _position);
        int frame = w.BeginMessage();
        RecordCodec.EncodeEffect(ref w, Dt(effect.At), effect);
        EndFrame(ref w, frame);
    }

    public void WriteAckMeasured(DateTimeOffset at, in AckMeasurement measurement)
    {
        EnsureRoom(RecordCodec.AckMeasuredBound);
        var w = new WireWriter(_buffer, _position);
        int frame = w.BeginMessage();
        RecordCodec.EncodeAckMeasured(ref w, Dt(at), measurement);
        EndFrame(ref w, frame);
    }

    public void WriteSmmu(DateTimeOffset at, string name, string message) =>
        WriteMessage(at, new TraceRecord { Smmu = new SmmuRecord { Name = name, Message = message } });

    public void WriteGuest(DateTimeOffset at, string kind, IEnumerable<KeyValuePair<string, string>> fields, TimeSpan receivedAfterLaunch)
    {
        var guest = new GuestRecord { Kind = kind, ReceivedAfterLaunchTicks = receivedAfterLaunch.Ticks };
        foreach (var (key, value) in fields)
        {
            guest.Fields[key] = value;
        }

        WriteMessage(at, new TraceRecord { Guest = guest });
    }

    public void WriteRunEnd(DateTimeOffset at, RunEndRecord runEnd) => WriteMessage(at, new TraceRecord { RunEnd = runEnd });

    /// <summary>Writes the end record (the mark of a cleanly closed trace) and flushes. Idempotent.</summary>
    public void Complete(DateTimeOffset at, long dropped = 0)
    {
        if (_completed)
        {
            return;
        }

        WriteMessage(at, new TraceRecord { End = new EndRecord { Records = (ulong)Records, Dropped = (ulong)dropped } });
        _completed = true;
        Flush();
    }

    /// <summary>Hands buffered frames to the stream and flushes it.</summary>
    public void Flush()
    {
        Drain();
        _stream.Flush();
    }

    public void Dispose()
    {
        Drain();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void WriteMessage(DateTimeOffset at, TraceRecord record) => WriteFrame(RecordCodec.EncodeMessage(Dt(at), record), count: true);

    private void WriteFrame(ReadOnlySpan<byte> payload, bool count = false)
    {
        if (payload.Length > TraceFormat.MaxRecordBytes)
        {
            throw new ArgumentException($"a {payload.Length}-byte record exceeds the format's {TraceFormat.MaxRecordBytes}-byte limit", nameof(payload));
        }

        EnsureRoom(payload.Length + TraceFormat.MaxFrameOverhead);
        var w = new WireWriter(_buffer, _position);
        w.Varint((ulong)payload.Length);
        payload.CopyTo(_buffer.AsSpan(w.Position));
        int end = w.Position + payload.Length;
        var crc = Crc32C.Compute(_buffer.AsSpan(_position, end - _position));
        w = new WireWriter(_buffer, end);
        w.Fixed32(crc);
        Length += w.Position - _position;
        _position = w.Position;
        if (count)
        {
            Records++;
        }
    }

    private void EndFrame(ref WireWriter w, int frame)
    {
        w.EndMessage(frame);
        w.Fixed32(Crc32C.Compute(w.Written(frame)));
        Length += w.Position - _position;
        _position = w.Position;
        Records++;
    }

    private long Dt(DateTimeOffset at)
    {
        long ticks = at.UtcTicks;
        long dt = ticks - _lastTicks;
        _lastTicks = ticks;
        return dt;
    }

    private void EnsureRoom(int bytes)
    {
        if (_position + bytes <= _buffer.Length)
        {
            return;
        }

        Drain();
        if (bytes > _buffer.Length)
        {
            _buffer = new byte[bytes];
        }
    }

    private void Drain()
    {
        if (_position > 0)
        {
            _stream.Write(_buffer, 0, _position);
            _position = 0;
        }
    }
}
