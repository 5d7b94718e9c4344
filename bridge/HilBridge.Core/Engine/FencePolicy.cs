namespace HilBridge.Core.Engine;

/// <summary>What the IOMMU side does when an ATC invalidation gets no positive completion in time.</summary>
public enum FencePolicy
{
    /// <summary>Today's kernels: succeed the flush anyway and hope the device no longer uses the translation.</summary>
    Hope,
    /// <summary>The seed thread's proposal: block the device's translated requests first, then let the flush complete.</summary>
    Fence,
}
