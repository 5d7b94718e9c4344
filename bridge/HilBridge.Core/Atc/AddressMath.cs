namespace HilBridge.Core.Atc;

/// <summary>
/// Range arithmetic over the full 64-bit IOVA space. Ranges are carried as (start, size) like vhost's
/// IOTLB messages, but compared as inclusive [first, last]: the exclusive end of a range that reaches the
/// top of the address space (2^64) is not representable in a ulong, the inclusive last byte always is.
/// </summary>
internal static class AddressMath
{
    /// <summary>
    /// Inclusive last address of [start, start + size). A size that would wrap past 2^64 saturates at
    /// <see cref="ulong.MaxValue"/>: vhost and QEMU use "size = ~0" to mean "to the end of the address space".
    /// Callers must reject size 0 first (an empty range has no last byte).
    /// </summary>
    public static ulong Last(ulong start, ulong size)
    {
        System.Diagnostics.Debug.Assert(size != 0);
        return size - 1 > ulong.MaxValue - start ? ulong.MaxValue : start + (size - 1);
    }

    /// <summary>
    /// Inclusive last address of a vhost IOTLB INVALIDATE. QEMU computes the size as addr_mask + 1, which
    /// wraps to 0 for a whole-address-space unmap (addr_mask = ~0), so there size 0 means "to the end".
    /// </summary>
    public static ulong InvalidationLast(ulong iova, ulong size) => size == 0 ? ulong.MaxValue : Last(iova, size);

    public static bool Overlaps(ulong firstA, ulong lastA, ulong firstB, ulong lastB) =>
        firstA <= lastB && firstB <= lastA;
}
