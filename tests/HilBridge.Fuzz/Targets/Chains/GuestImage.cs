using System.Buffers.Binary;

namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>A scratch copy of guest memory the generator writes into; only the touched bytes become the case's writes.</summary>
internal sealed class GuestImage(int size)
{
    private readonly byte[] _bytes = new byte[size];
    private readonly bool[] _touched = new bool[size];

    public int Size => size;

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var at = offset + (ulong)i;
            if (at < (ulong)size)
            {
                _bytes[at] = data[i];
                _touched[at] = true;
            }
        }
    }

    public void U16(ulong offset, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Write(offset, b);
    }

    public void Descriptor(ulong offset, ulong address, uint length, ushort flags, ushort next)
    {
        Span<byte> d = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        Write(offset, d);
    }

    public List<MemoryWrite> ToWrites()
    {
        var writes = new List<MemoryWrite>();
        var i = 0;
        while (i < size)
        {
            if (!_touched[i])
            {
                i++;
                continue;
            }
            var start = i;
            while (i < size && _touched[i])
            {
                i++;
            }

            writes.Add(new MemoryWrite((ulong)start, Convert.ToHexString(_bytes, start, i - start)));
        }
        return writes;
    }

    /// <summary>Applies a case's writes to real memory (bytes beyond it are dropped: a corpus file may be edited by hand).</summary>
    public static void Apply(List<MemoryWrite> writes, byte[] memory)
    {
        foreach (var w in writes)
        {
            var data = Convert.FromHexString(w.Hex);
            for (var i = 0; i < data.Length; i++)
            {
                var at = w.Offset + (ulong)i;
                if (at < (ulong)memory.Length)
                {
                    memory[at] = data[i];
                }
            }
        }
    }
}
