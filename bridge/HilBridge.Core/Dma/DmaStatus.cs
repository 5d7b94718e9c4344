namespace HilBridge.Core.Dma;

/// <summary>Outcome of one device access to guest memory. Expected failures are values, not exceptions.</summary>
public enum DmaStatus
{
    /// <summary>Every byte was transferred.</summary>
    Ok,
    /// <summary>No usable translation: unmapped IOVA, miss not filled in time, permission, or outside the memory table.</summary>
    Fault,
    /// <summary>The device is fenced: translated requests are blocked.</summary>
    Fenced,
    /// <summary>The device is being reset or the session ended; the access was not attempted.</summary>
    Aborted,
}
