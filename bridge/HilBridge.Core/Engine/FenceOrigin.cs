namespace HilBridge.Core.Engine;

/// <summary>
/// Who fenced the device. Three fences look alike to the device (its translated requests are refused)
/// but mean different things to a kernel engineer, so counters, summaries and expectations name them apart.
/// On the wire of a trace it is the Fence input's id; 0 is what every trace before it recorded.
/// </summary>
public enum FenceOrigin
{
    /// <summary>The control plane (<c>hilbridge ctl fence</c>), or a trace recorded before origins existed.</summary>
    Operator = 0,
    /// <summary>The bridge's own fence policy: an invalidation got no positive completion in time.</summary>
    Bridge = 1,
    /// <summary>The guest's IOMMU driver quarantined the device: its STE still translates but refuses translated requests (STE.EATS cleared).</summary>
    GuestQuarantine = 2,
    /// <summary>The guest parked the device: its STE aborts, bypasses or is invalid (the blocking domain of a reset or a detach).</summary>
    GuestBlock = 3,
}
