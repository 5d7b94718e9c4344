namespace HilBridge.Core.Dma;

/// <summary>Outcome of one device access to guest memory. Expected failures are values, not exceptions.</summary>
public enum DmaStatus
{
    /// <summary>Every byte was transferred.</summary>
    Ok,
    /// <summary>No usable translation: permission, or outside the memory table (or no IOMMU to ask).</summary>
    Fault,
    /// <summary>The device is fenced: translated requests are blocked.</summary>
    Fenced,
    /// <summary>The device is being reset or the session ended; the access was not attempted.</summary>
    Aborted,
    /// <summary>
    /// The translation missed and the IOMMU did not answer in time (QEMU slow, or the IOVA unmapped): unlike
    /// <see cref="Fault"/>, asking again may succeed.
    /// </summary>
    Unanswered,
}
