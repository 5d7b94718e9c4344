using HilBridge.Core.Dma;

namespace HilBridge.Core.Atc;

/// <summary>
/// One cached translation of the device's ATC: [Iova, Iova + Size) maps to QEMU's virtual address
/// <see cref="UserAddr"/> (the host maps it through the memory table) with permissions <see cref="Perm"/>.
/// <see cref="Id"/> is unique and monotonic per cache, so two translations of the same IOVA are never
/// confused: the UAF checker tracks translations by Id, not by address.
/// </summary>
/// <remarks>
/// There is deliberately no exclusive "End": an entry may reach the top of the 64-bit space, where
/// Iova + Size wraps to 0. <see cref="Last"/> is the inclusive last IOVA, saturated at ulong.MaxValue.
/// </remarks>
public readonly record struct AtcEntry(ulong Id, ulong Iova, ulong Size, ulong UserAddr, AccessKind Perm)
{
    /// <summary>Inclusive last IOVA covered (saturated at ulong.MaxValue; equals Iova for the invalid Size 0).</summary>
    public ulong Last => Size == 0 ? Iova : AddressMath.Last(Iova, Size);

    public bool Contains(ulong iova) => Size != 0 && iova >= Iova && iova <= Last;

    /// <summary>True if this entry shares at least one byte with the inclusive range [first, last].</summary>
    public bool Overlaps(ulong first, ulong last) => Size != 0 && AddressMath.Overlaps(Iova, Last, first, last);

    /// <summary>True if every bit of <paramref name="kind"/> is granted (an empty kind is never allowed).</summary>
    public bool Allows(AccessKind kind) => kind != AccessKind.None && (Perm & kind) == kind;

    /// <summary>QEMU virtual address of <paramref name="iova"/>, which must lie inside the entry.</summary>
    public ulong Translate(ulong iova) => unchecked(UserAddr + (iova - Iova));

    /// <summary>Bytes from <paramref name="iova"/> to the end of the entry (saturated when the entry spans all 2^64 bytes).</summary>
    public ulong BytesFrom(ulong iova)
    {
        ulong span = Last - iova;
        return span == ulong.MaxValue ? ulong.MaxValue : span + 1;
    }
}
