namespace HilBridge.Core.Atc;

/// <summary>
/// An inclusive IOVA range [First, Last]. Inclusive because the whole 64-bit space (2^64 bytes) must be
/// expressible, which neither an exclusive end nor a ulong size can do.
/// </summary>
public readonly record struct IovaRange
{
    public IovaRange(ulong first, ulong last)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, last);
        (First, Last) = (first, last);
    }

    public ulong First { get; }

    public ulong Last { get; }

    /// <summary>Everything, 0 to 2^64 - 1.</summary>
    public static IovaRange All => new(0, ulong.MaxValue);

    /// <summary>[start, start + size), saturating at the top of the address space; size must be non-zero.</summary>
    public static IovaRange FromSize(ulong start, ulong size)
    {
        ArgumentOutOfRangeException.ThrowIfZero(size);
        return new(start, AddressMath.Last(start, size));
    }

    public bool Contains(ulong iova) => iova >= First && iova <= Last;

    public bool Overlaps(ulong first, ulong last) => AddressMath.Overlaps(First, Last, first, last);

    public bool Overlaps(IovaRange other) => Overlaps(other.First, other.Last);

    public override string ToString() => $"[0x{First:x}, 0x{Last:x}]";
}
