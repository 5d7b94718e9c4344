using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// A scheduled device-side event. A device answer for an invalidation that was settled meanwhile (by a
/// timeout or a fence) is stale and skipped; stragglers are never stale, a reset removes them outright.
/// </summary>
internal readonly record struct TimerItem(TimerKind Kind, Invalidation Invalidation, Capture? Capture, AccessKind StragglerKind, ulong StragglerBytes)
{
    public bool IsStale => Kind != TimerKind.Straggler && Invalidation.State != InvalidationState.Pending;
}
