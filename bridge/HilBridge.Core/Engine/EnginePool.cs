namespace HilBridge.Core.Engine;

/// <summary>
/// Spare <see cref="Invalidation"/> and <see cref="Capture"/> objects, so that an invalidation that
/// completes at once costs no allocation. Bounded: after a burst (say, thousands of dropped
/// invalidations) only <see cref="MaxSpare"/> of each are kept.
/// </summary>
internal sealed class EnginePool
{
    public const int MaxSpare = 1024;

    private readonly Stack<Invalidation> _invalidations = new();
    private readonly Stack<Capture> _captures = new();

    public Invalidation RentInvalidation() => _invalidations.TryPop(out var inv) ? inv : new Invalidation();

    public Capture RentCapture() => _captures.TryPop(out var capture) ? capture : new Capture();

    /// <summary>Takes back a retired invalidation: nothing may reference it any more.</summary>
    public void Return(Invalidation inv)
    {
        inv.Held.Clear();
        if (_invalidations.Count < MaxSpare)
        {
            _invalidations.Push(inv);
        }
    }

    /// <summary>Takes back a forgotten capture: nothing may reference it any more.</summary>
    public void Return(Capture capture)
    {
        capture.Holders.Clear();
        if (_captures.Count < MaxSpare)
        {
            _captures.Push(capture);
        }
    }
}
