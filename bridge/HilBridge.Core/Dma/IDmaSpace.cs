namespace HilBridge.Core.Dma;

/// <summary>
/// The device's view of guest memory: every address is an IOVA (or a guest-physical address when the
/// device has no IOMMU). An implementation translates, bounds-checks and pins for the duration of the
/// copy, so "in-flight DMA" is exactly the time spent inside <see cref="Read"/> or <see cref="Write"/>.
/// A failed call may have transferred a prefix; callers treat any non-Ok status as an I/O error.
/// </summary>
public interface IDmaSpace
{
    DmaStatus Read(ulong address, Span<byte> destination, DmaPurpose purpose);

    DmaStatus Write(ulong address, ReadOnlySpan<byte> source, DmaPurpose purpose);
}
