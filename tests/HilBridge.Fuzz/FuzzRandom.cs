namespace HilBridge.Fuzz;

/// <summary>
/// SplitMix64: tiny, fast, and the same stream on every .NET version, so a case is named by its seed
/// for ever. Helpers lean towards the values that break code: 0, 1, powers of two and their
/// neighbours, the top of each integer range, page boundaries.
/// A random can also be driven by bytes (<see cref="FromBytes"/>): then a coverage-guided fuzzer's
/// input makes the generator's choices, so mutating the input steers the structure it builds.
/// </summary>
public sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;
    private byte[]? _choices;
    private int _position;

    /// <summary>
    /// A random whose first draws are the bytes of <paramref name="input"/> (8 per draw, little-endian);
    /// once they run out it goes on as SplitMix seeded by a hash of the input, so every input still
    /// builds a whole, deterministic case (the same input is always the same case).
    /// </summary>
    public static FuzzRandom FromBytes(ReadOnlySpan<byte> input)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var b in input)
        {
            hash = (hash ^ b) * 0x100000001b3UL;
        }

        return new FuzzRandom(hash) { _choices = input.ToArray() };
    }

    public ulong NextUInt64()
    {
        if (_choices is { } choices && _position < choices.Length)
        {
            Span<byte> draw = stackalloc byte[8];
            var take = Math.Min(8, choices.Length - _position);
            choices.AsSpan(_position, take).CopyTo(draw);
            _position += take;
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(draw);
        }

        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public uint NextUInt32() => (uint)NextUInt64();

    /// <summary>Uniform in [0, max).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>Uniform in [min, max).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    public ulong NextULong(ulong max) => max == 0 ? 0 : NextUInt64() % max;

    public bool Chance(double p) => (NextUInt64() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public T Pick<T>(params T[] items) => items[Next(items.Length)];

    public void Fill(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)NextUInt64();
        }
    }

    public byte[] Bytes(int length)
    {
        var b = new byte[length];
        Fill(b);
        return b;
    }

    /// <summary>A 64-bit value, often one of the edges.</summary>
    public ulong Interesting64()
    {
        switch (Next(8))
        {
            case 0: return Pick<ulong>(0UL, 1UL, ulong.MaxValue, ulong.MaxValue - 1, long.MaxValue, 1UL << 63, uint.MaxValue, 0x1000, 0xfff);
            case 1: return 1UL << Next(64);
            case 2: return (1UL << Next(64)) - 1;
            case 3: return (1UL << Next(64)) + 1;
            case 4: return ulong.MaxValue - NextULong(0x10000);
            case 5: return NextULong(0x10000);
            default: return NextUInt64();
        }
    }

    /// <summary>A 32-bit value, often one of the edges.</summary>
    public uint Interesting32() => Next(3) switch
    {
        0 => Pick<uint>(0u, 1u, uint.MaxValue, uint.MaxValue - 1, int.MaxValue, 1u << 31, 0x1000, 0xffff, 0x10000),
        1 => 1u << Next(32),
        _ => NextUInt32(),
    };

    /// <summary>A 16-bit value, often one of the edges.</summary>
    public ushort Interesting16() => Next(3) switch
    {
        0 => Pick<ushort>(0, 1, ushort.MaxValue, 0x7fff, 0x8000, 0x100, 0xff),
        1 => (ushort)(1u << Next(16)),
        _ => (ushort)NextUInt64(),
    };

    /// <summary>Independent seed for case <paramref name="index"/> of target <paramref name="target"/> in a run seeded with <paramref name="runSeed"/>.</summary>
    public static ulong CaseSeed(ulong runSeed, string target, long index)
    {
        var h = runSeed ^ 0xcbf29ce484222325UL;
        foreach (var c in target)
        {
            h = (h ^ c) * 0x100000001b3UL;
        }

        return new FuzzRandom(h ^ (ulong)index * 0x9E3779B97F4A7C15UL).NextUInt64();
    }
}
