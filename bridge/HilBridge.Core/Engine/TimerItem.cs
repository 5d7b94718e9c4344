using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// A scheduled device-side event. A device answer for an invalidation that was settled meanwhile (by a
/// timeout or a fence), or whose object has since been reused for another request, is stale and
/// skipped; stragglers are never stale (they keep their invalidation live), a reset removes them outright.
/// </summary>
internal readonly record struct TimerItem(
    TimerKind Kind, Invalidation Invalidation, int Generation, Capture? Capture, AccessKind StragglerKind, ulong StragglerBytes,
    ulong StragglerIova = 0)
{
    public bool IsStale => Kind != TimerKind.Straggler &&
        (Invalidation.Generation != Generation || Invalidation.State != InvalidationState.Pending);
}
