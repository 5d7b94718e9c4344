using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace HilBridge.Traces.Format;

/// <summary>
/// Protocol-buffer wire primitives read from a span. Malformed input throws <see cref="InvalidDataException"/>,
/// which the trace reader turns into a Corrupt status naming the record.
/// </summary>
/// <remarks>
/// The data is <c>window[..limit]</c>. Bytes of the window past the limit (the trace reader passes its buffer
/// after the frame: the checksum, the next frames) are never part of a value: they only let a varint be
/// loaded 8 bytes at a time near the end of the data, and a value that runs past the limit is refused
/// exactly as one that runs past the end of the window.
/// </remarks>
internal ref struct WireReader
{
    private const ulong ContinuationBits = 0x8080_8080_8080_8080UL;

    private readonly ReadOnlySpan<byte> _window;
    private readonly int _limit;

    public WireReader(ReadOnlySpan<byte> data)
        : this(data, data.Length)
    {
    }

    /// <param name="window">The data, possibly followed by bytes that are not part of it.</param>
    /// <param name="limit">Where the data ends in <paramref name="window"/>.</param>
    public WireReader(ReadOnlySpan<byte> window, int limit)
    {
        if ((uint)limit > (uint)window.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(limit));
        }

        _window = window;
        _limit = limit;
    }

    public int Position { get; private set; }

    public readonly bool End => Position >= _limit;

    /// <summary>A varint; the one-byte case (most tags and small values) inlined, the rest in <see cref="VarintLong"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Varint()
    {
        var position = Position;
        if ((uint)position < (uint)_limit && _window[position] < 0x80)
        {
            Position = position + 1;
            return _window[position];
        }

        return VarintLong();
    }

    /// <summary>When the next byte is <paramref name="tag"/> (a one-byte varint field tag), reads that field's varint.</summary>
    /// <remarks>The writer's field order, tried field by field, needs no dispatch on the field number.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVarintField(byte tag, ref ulong value)
    {
        var position = Position;
        if ((uint)position < (uint)_limit && _window[position] == tag)
        {
            Position = position + 1;
            value = Varint();
            return true;
        }

        return false;
    }

    /// <summary>
    /// A varint of two bytes or more. Up to 8 bytes, one 8-byte load and no branch per byte: the first byte
    /// without a continuation bit ends it, and its 7-bit groups are packed together in three steps.
    /// </summary>
    private ulong VarintLong()
    {
        var position = Position;
        if (_window.Length - position >= 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64LittleEndian(_window[position..]);
            ulong stops = ~word & ContinuationBits;
            if (stops != 0)
            {
                int bits = BitOperations.TrailingZeroCount(stops) + 1; // 8 per byte of the varint
                int length = bits >> 3;
                if (length <= _limit - position)
                {
                    word &= ulong.MaxValue >> (64 - bits);
                    word = (word & 0x007F_007F_007F_007FUL) | ((word & 0x7F00_7F00_7F00_7F00UL) >> 1);
                    word = (word & 0x0000_3FFF_0000_3FFFUL) | ((word & 0x3FFF_0000_3FFF_0000UL) >> 2);
                    word = (word & 0x0000_0000_0FFF_FFFFUL) | ((word & 0x0FFF_FFFF_0000_0000UL) >> 4);
                    Position = position + length;
                    return word;
                }
            }
        }

        return VarintByBytes();
    }

    // 9 and 10 bytes, a varint that runs past the limit, and the last bytes of a window.
    private ulong VarintByBytes()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (Position >= _limit)
            {
                throw new InvalidDataException("varint runs past the end of the record");
            }

            byte b = _window[Position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }

    /// <summary>Reads a tag; returns false at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTag(out int field, out WireType type)
    {
        if (End)
        {
            field = 0;
            type = 0;
            return false;
        }

        ulong tag = Varint();
        field = (int)(tag >> 3);
        type = (WireType)(tag & 7);
        if (field == 0)
        {
            throw new InvalidDataException("field number 0");
        }

        return true;
    }

    public long SInt()
    {
        ulong v = Varint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public ReadOnlySpan<byte> LengthDelimited()
    {
        int length = LengthPrefix();
        var slice = _window.Slice(Position, length);
        Position += length;
        return slice;
    }

    /// <summary>
    /// A length-delimited field as a reader of its own over the rest of this window (so its varints may be
    /// loaded 8 bytes at a time up to its last byte), limited to the field.
    /// </summary>
    public WireReader LengthDelimitedReader()
    {
        int length = LengthPrefix();
        var nested = new WireReader(_window[Position..], length);
        Position += length;
        return nested;
    }

    /// <summary>The rest of the data (for a parser of its own); the reader is at the end after it.</summary>
    public ReadOnlySpan<byte> Rest()
    {
        var rest = _window[Position.._limit];
        Position = _limit;
        return rest;
    }

    public string String() => Encoding.UTF8.GetString(LengthDelimited());

    /// <summary>Skips a field this reader does not know (newer writers may add fields).</summary>
    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint: Varint(); break;
            case WireType.Fixed64: Advance(8); break;
            case WireType.LengthDelimited: LengthDelimited(); break;
            case WireType.Fixed32: Advance(4); break;
            default: throw new InvalidDataException($"unsupported wire type {(int)type}");
        }
    }

    public readonly void Expect(WireType actual, WireType expected, int field)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"field {field} has wire type {(int)actual}, expected {(int)expected}");
        }
    }

    private int LengthPrefix()
    {
        ulong length = Varint();
        if (length > (ulong)(_limit - Position))
        {
            throw new InvalidDataException($"length {length} runs past the end of the record");
        }

        return (int)length;
    }

    private void Advance(int n)
    {
        if (n > _limit - Position)
        {
            throw new InvalidDataException("fixed-width field runs past the end of the record");
        }

        Position += n;
    }
}
