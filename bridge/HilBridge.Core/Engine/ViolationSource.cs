namespace HilBridge.Core.Engine;

public enum ViolationSource
{
    /// <summary>A straggler scheduled by the fault policy.</summary>
    Straggler,
    /// <summary>A real device access (BeginAccess hit, or an access in flight across the acknowledgement).</summary>
    DeviceAccess,
}
