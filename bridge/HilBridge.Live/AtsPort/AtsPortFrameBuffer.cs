namespace HilBridge.Live.AtsPort;

/// <summary>
/// Splits the ATS port's byte stream into messages in place: bytes are received into one fixed
/// buffer and each message is handed out as a span into it, with no copy and no allocation. A
/// header announcing more than <see cref="AtsPortHeader.MaxPayload"/> is refused before its payload
/// is buffered.
/// </summary>
internal sealed class AtsPortFrameBuffer
{
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    public AtsPortFrameBuffer(int capacity = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, AtsPortHeader.Size + AtsPortHeader.MaxPayload);
        _buffer = new byte[capacity];
    }

    /// <summary>Where the next receive goes; compacts first, so a whole message always fits.</summary>
    public Memory<byte> FreeSpace()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int received) => _end += received;

    /// <summary>The next complete message, or false when more bytes are needed.</summary>
    /// <exception cref="AtsPortProtocolException">The header announces an oversized payload.</exception>
    public bool TryRead(out AtsPortHeader header, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        header = default;
        var available = _buffer.AsSpan(_start, _end - _start);
        if (available.Length < AtsPortHeader.Size)
        {
            return false;
        }

        header = AtsPortHeader.Read(available);
        if (header.Length > AtsPortHeader.MaxPayload)
        {
            throw new AtsPortProtocolException($"message type 0x{(ushort)header.Type:x4} announces {header.Length} payload bytes (at most {AtsPortHeader.MaxPayload})");
        }

        var total = AtsPortHeader.Size + (int)header.Length;
        if (available.Length < total)
        {
            return false;
        }

        payload = available.Slice(AtsPortHeader.Size, (int)header.Length);
        _start += total;
        return true;
    }

    public void Clear() => _start = _end = 0;
}
