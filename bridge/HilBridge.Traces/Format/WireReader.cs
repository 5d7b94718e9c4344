using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace HilBridge.Traces.Format;

/// <summary>
/// Protocol-buffer wire primitives read from a span. Malformed input throws <see cref="InvalidDataException"/>,
/// which the trace reader turns into a Corrupt status naming the record.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly bool End => Position >= _data.Length;

    /// <summary>A varint; the one-byte case (most tags and small values) inlined, the rest in <see cref="VarintSlow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Varint()
    {
        var position = Position;
        if ((uint)position < (uint)_data.Length && _data[position] < 0x80)
        {
            Position = position + 1;
            return _data[position];
        }

        return VarintSlow();
    }

    private ulong VarintSlow()
    {
        var position = Position;
        if (_data.Length - position >= 10)
        {
            // Room for the longest varint: no bounds check per byte.
            ref var b = ref Unsafe.Add(ref MemoryMarshal.GetReference(_data), position);
            ulong value = 0;
            for (var i = 0; i < 10; i++)
            {
                var x = Unsafe.Add(ref b, i);
                value |= (ulong)(x & 0x7F) << (7 * i);
                if (x < 0x80)
                {
                    Position = position + i + 1;
                    return value;
                }
            }

            throw new InvalidDataException("varint longer than 10 bytes");
        }

        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (Position >= _data.Length)
            {
                throw new InvalidDataException("varint runs past the end of the record");
            }

            byte b = _data[Position++];
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
        ulong length = Varint();
        if (length > (ulong)(_data.Length - Position))
        {
            throw new InvalidDataException($"length {length} runs past the end of the record");
        }

        var slice = _data.Slice(Position, (int)length);
        Position += (int)length;
        return slice;
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

    public void Expect(WireType actual, WireType expected, int field)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"field {field} has wire type {(int)actual}, expected {(int)expected}");
        }
    }

    private void Advance(int n)
    {
        if (n > _data.Length - Position)
        {
            throw new InvalidDataException("fixed-width field runs past the end of the record");
        }

        Position += n;
    }
}
