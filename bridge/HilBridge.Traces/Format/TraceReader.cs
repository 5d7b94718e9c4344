using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>
/// Streams a .hbt file record by record in constant memory (one buffer, whatever the file size).
/// The constructor reads and checks the file header and the TraceHeader frame and throws
/// <see cref="TraceFormatException"/> when the file is unusable; after that problems are values:
/// reading stops and <see cref="Status"/> / <see cref="Problem"/> say why (cut short, corrupt).
/// </summary>
public sealed class TraceReader : IDisposable
{
    private const int BufferBytes = TraceFormat.MaxRecordBytes + TraceFormat.MaxFrameOverhead + 64 * 1024;

    // Buffered bytes that hold any frame with a one-byte length (up to 127 payload bytes) whole.
    private const int ShortFrameWindow = 1 + 127 + 4;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _start;           // first unconsumed byte in _buffer
    private int _end;             // end of valid data in _buffer
    private bool _eof;
    private long _consumed;       // file offset of _buffer[_start]
    private long _lastTicks;
    private long _index;
    private TraceEntry _current;

    public TraceReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            Header = ReadHeader();
            _lastTicks = Header.EngineStartTicks;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static TraceReader Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TraceFormatException("no such file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TraceFormatException("cannot open: " + ex.Message, ex);
        }

        return new TraceReader(file);
    }

    public TraceHeader Header { get; }

    public DateTimeOffset EngineStart => new(Header.EngineStartTicks, TimeSpan.Zero);

    /// <summary>A fresh copy of the recorded engine options (validated when the trace was opened).</summary>
    public EngineOptions CreateEngineOptions() => OptionsCodec.ToOptions(Header.Engine);

    public TraceReadStatus Status { get; private set; } = TraceReadStatus.Reading;

    /// <summary>Why reading stopped early (Incomplete, Truncated, Corrupt), naming the record and byte offset.</summary>
    public string? Problem { get; private set; }

    /// <summary>Whole records read so far (header excluded).</summary>
    public long RecordsRead => _index;

    /// <summary>Records of kinds this reader does not know (from a newer writer), skipped.</summary>
    public long SkippedRecords { get; private set; }

    /// <summary>Offset just after the last whole record read.</summary>
    public long Position => _consumed;

    /// <summary>Reads the next record; false at the end or at the first problem (see <see cref="Status"/>).</summary>
    public bool TryRead(out TraceEntry entry)
    {
        entry = default;
        if (!TryDecodeNext(ref entry))
        {
            entry = default;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The record <see cref="TryReadNext"/> read, in place: the replayer's loop reads a few fields of each
    /// record and passes its input on by reference, so it copies no entry (a struct of a few hundred bytes).
    /// </summary>
    internal ref readonly TraceEntry Current => ref _current;

    /// <summary>
    /// <see cref="TryRead"/> into <see cref="Current"/>. Decoding a record sets every field of its kind, so only
    /// a change of kind clears anything: the previous kind's fields, which the new record does not set.
    /// </summary>
    internal bool TryReadNext()
    {
        var previous = _current.Kind;
        if (!TryDecodeNext(ref _current))
        {
            _current = default;
            return false;
        }

        if (_current.Kind != previous)
        {
            _current.ClearFieldsOf(previous);
        }

        return true;
    }

    // Decodes the next record of a known kind into the fields of its kind (and Kind, Index, Offset, At).
    private bool TryDecodeNext(ref TraceEntry entry)
    {
        while (Status == TraceReadStatus.Reading)
        {
            long offset = _consumed;
            if (!TryNextFrame(out int payload, out int length, out string? problem))
            {
                if (problem is not null)
                {
                    Stop(problem.StartsWith("cut short", StringComparison.Ordinal) ? TraceReadStatus.Truncated : TraceReadStatus.Corrupt,
                        $"record {_index} at byte {offset}: {problem}");
                }
                else
                {
                    Stop(TraceReadStatus.Incomplete,
                        $"no end record after {_index} records: the recording stopped without closing the file (crash or still running)");
                }

                return false;
            }

            try
            {
                // The window runs on past the payload (its checksum, the next frames): see WireReader.
                RecordCodec.DecodeInto(_buffer.AsSpan(payload), length, ref _lastTicks, _index, offset, ref entry);
            }
            catch (InvalidDataException ex)
            {
                Stop(TraceReadStatus.Corrupt, $"record {_index} at byte {offset}: undecodable ({ex.Message})");
                return false;
            }

            _index++;
            if (entry.Kind == 0)
            {
                SkippedRecords++;
                continue;
            }

            if (entry.Kind == TraceRecordKind.End)
            {
                FinishAfterEnd();
            }

            return true;
        }

        return false;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private TraceHeader ReadHeader()
    {
        Fill(TraceFormat.FileHeaderBytes);
        var head = _buffer.AsSpan(_start, Math.Min(_end - _start, TraceFormat.FileHeaderBytes));
        int magicBytes = Math.Min(head.Length, TraceFormat.Magic.Length);
        if (!head[..magicBytes].SequenceEqual(TraceFormat.Magic[..magicBytes]) || head.Length == 0)
        {
            throw new TraceFormatException("not a HilBridge trace (bad magic: expected \"HBTRACE\")");
        }

        if (head.Length < TraceFormat.FileHeaderBytes)
        {
            throw new TraceFormatException($"trace cut short inside its {TraceFormat.FileHeaderBytes}-byte file header ({head.Length} bytes)");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(head[8..]);
        if (version != TraceFormat.Version)
        {
            throw new TraceFormatException($"trace format version {version} is not supported (this build reads version {TraceFormat.Version})");
        }

        Consume(TraceFormat.FileHeaderBytes);
        if (!TryNextFrame(out int payload, out int length, out string? problem))
        {
            throw new TraceFormatException(problem is null
                ? "trace has no header record (the file ends after the file header)"
                : $"trace header record unusable: {problem}");
        }

        try
        {
            var header = TraceHeader.Parser.ParseFrom(_buffer.AsSpan(payload, length));
            OptionsCodec.ToOptions(header.Engine); // throws if replay could not rebuild the engine
            return header;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new TraceFormatException("trace header record undecodable: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Finds the next frame, verifies its checksum and consumes it: its payload is
    /// <c>_buffer[payload..(payload + length)]</c>, valid until the next call. False at a clean end (problem
    /// null) or with a problem ("cut short ..." for a partial frame at the end of the file).
    /// </summary>
    private bool TryNextFrame(out int payload, out int length, out string? problem)
    {
        problem = null;
        int available = _end - _start;
        if (available >= ShortFrameWindow && _buffer[_start] < 0x80)
        {
            // Most records: a one-byte length and the whole frame already buffered.
            length = _buffer[_start];
            return TryTakeFrame(1, length, out payload, out problem);
        }

        payload = 0;
        length = 0;
        Fill(TraceFormat.MaxFrameOverhead);
        available = _end - _start;
        if (available == 0)
        {
            return false;
        }

        var data = _buffer.AsSpan(_start, available);
        if (!TryReadLength(data, out ulong declared, out int prefix))
        {
            problem = available < 5 && _eof ? $"cut short: {available} byte(s) of a record length" : "bad record length";
            return false;
        }

        if (declared > TraceFormat.MaxRecordBytes)
        {
            problem = $"record length {declared} exceeds the {TraceFormat.MaxRecordBytes}-byte limit (corrupt length)";
            return false;
        }

        length = (int)declared;
        int frameBytes = prefix + length + 4;
        Fill(frameBytes);
        available = _end - _start;
        if (available < frameBytes)
        {
            problem = $"cut short: {available} of the record's {frameBytes} bytes are present";
            return false;
        }

        return TryTakeFrame(prefix, length, out payload, out problem);
    }

    /// <summary>Checks and consumes the buffered frame at _start (length prefix, payload, CRC32C).</summary>
    private bool TryTakeFrame(int prefix, int length, out int payload, out string? problem)
    {
        var checkedBytes = _buffer.AsSpan(_start, prefix + length);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + prefix + length, 4));
        uint computed = Crc32C.Compute(checkedBytes);
        if (stored != computed)
        {
            payload = 0;
            problem = $"checksum mismatch (stored 0x{stored:x8}, computed 0x{computed:x8}): the record is corrupt";
            return false;
        }

        payload = _start + prefix;
        problem = null;
        Consume(prefix + length + 4);
        return true;
    }

    private static bool TryReadLength(ReadOnlySpan<byte> data, out ulong length, out int prefix)
    {
        length = 0;
        for (prefix = 0; prefix < 5 && prefix < data.Length; prefix++)
        {
            byte b = data[prefix];
            length |= (ulong)(b & 0x7F) << (7 * prefix);
            if (b < 0x80)
            {
                prefix++;
                return true;
            }
        }

        return false;
    }

    private void FinishAfterEnd()
    {
        Fill(1);
        if (_end > _start)
        {
            Stop(TraceReadStatus.Corrupt, $"{_end - _start}+ byte(s) after the end record at byte {_consumed}");
        }
        else
        {
            Status = TraceReadStatus.Complete;
        }
    }

    private void Stop(TraceReadStatus status, string problem)
    {
        Status = status;
        Problem = problem;
    }

    private void Consume(int bytes)
    {
        _start += bytes;
        _consumed += bytes;
    }

    /// <summary>Makes at least <paramref name="bytes"/> bytes available from _start, unless the file ends first.</summary>
    private void Fill(int bytes)
    {
        if (_end - _start >= bytes || _eof)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < bytes && !_eof)
        {
            int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
            }

            _end += n;
        }
    }
}
