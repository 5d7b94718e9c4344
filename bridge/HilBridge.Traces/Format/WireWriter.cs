using System.Buffers.Binary;
using System.Text;

namespace HilBridge.Traces.Format;

/// <summary>
/// Protocol-buffer wire primitives written straight into a span, without allocating. Nested messages
/// reserve 5 bytes for their length, which <see cref="EndMessage"/> fills and closes up, so no size pass is needed.
/// The caller guarantees room (see <see cref="RecordCodec"/> bounds).
/// </summary>
internal ref struct WireWriter(Span<byte> buffer, int position)
{
    private const int LengthReserve = 5;

    private readonly Span<byte> _buffer = buffer;

    public int Position { get; private set; } = position;

    public readonly ReadOnlySpan<byte> Written(int from) => _buffer[from..Position];

    public void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Position++] = (byte)value;
    }

    public void Tag(int field, WireType type) => Varint((uint)(field << 3) | (uint)type);

    /// <summary>uint32/uint64/enum/bool field; zero is the proto3 default and is not written.</summary>
    public void UInt(int field, ulong value)
    {
        if (value != 0)
        {
            Tag(field, WireType.Varint);
            Varint(value);
        }
    }

    /// <summary>int64 field (two's complement varint, as protobuf encodes int64).</summary>
    public void Int(int field, long value) => UInt(field, unchecked((ulong)value));

    /// <summary>sint64 field (zigzag).</summary>
    public void SInt(int field, long value) => UInt(field, ZigZag(value));

    /// <summary>An `optional` scalar: written even when zero, so presence survives.</summary>
    public void OptionalUInt(int field, ulong value)
    {
        Tag(field, WireType.Varint);
        Varint(value);
    }

    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Tag(field, WireType.LengthDelimited);
        int n = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)n);
        Position += Encoding.UTF8.GetBytes(value, _buffer[Position..]);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        value.CopyTo(_buffer[Position..]);
        Position += value.Length;
    }

    public void Fixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Position..], value);
        Position += 4;
    }

    /// <summary>Starts a length-delimited body; returns the mark for <see cref="EndMessage"/>.</summary>
    public int BeginMessage()
    {
        int mark = Position;
        Position += LengthReserve;
        return mark;
    }

    /// <summary>Writes the body's length at the mark and moves the body down over the unused reserve.</summary>
    public void EndMessage(int mark)
    {
        int bodyStart = mark + LengthReserve;
        int length = Position - bodyStart;
        int n = VarintSize((ulong)length);
        int p = mark;
        ulong v = (ulong)length;
        while (v >= 0x80)
        {
            _buffer[p++] = (byte)(v | 0x80);
            v >>= 7;
        }

        _buffer[p] = (byte)v;
        if (n < LengthReserve)
        {
            _buffer.Slice(bodyStart, length).CopyTo(_buffer[(mark + n)..]);
            Position -= LengthReserve - n;
        }
    }

    public static int VarintSize(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    public static ulong ZigZag(long value) => unchecked((ulong)((value << 1) ^ (value >> 63)));
}

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
