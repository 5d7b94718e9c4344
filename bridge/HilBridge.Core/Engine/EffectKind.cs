namespace HilBridge.Core.Engine;

/// <summary>What the host must do (or record) for an <see cref="EngineEffect"/>.</summary>
public enum EffectKind
{
    /// <summary>Reply to QEMU's IOTLB INVALIDATE <c>RequestId</c> with <c>Status</c> (0 = success).</summary>
    AckInvalidation,
    /// <summary>The device is now fenced (<c>Reason</c>).</summary>
    Fenced,
    /// <summary>The device is unfenced (<c>Reason</c>) after <c>RecoveryTime</c>.</summary>
    Unfenced,
    /// <summary>A DMA used a translation whose invalidation was already acknowledged (<c>Violation</c>).</summary>
    Violation,
    /// <summary>A straggler access ran (<c>Straggler</c>).</summary>
    StragglerAccess,
    /// <summary>Invalidation <c>RequestId</c> reached its timeout without a positive completion.</summary>
    InvalidationTimedOut,
}
