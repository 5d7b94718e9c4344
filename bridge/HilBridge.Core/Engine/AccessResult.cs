namespace HilBridge.Core.Engine;

/// <summary>Outcome of <c>AtsEngine.BeginAccess</c>: what the host does next with this device access.</summary>
public enum AccessResult
{
    /// <summary>Translated through the ATC; the entry stays pinned until EndAccess.</summary>
    Hit,
    /// <summary>No cached translation: the host sends an IOTLB miss to QEMU, waits for the update, retries.</summary>
    Miss,
    /// <summary>A translation exists but does not grant the requested direction.</summary>
    PermissionDenied,
    /// <summary>The device is fenced and this access is blocked.</summary>
    Fenced,
}
