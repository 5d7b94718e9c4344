using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

/// <summary>
/// A translation held by one or more invalidations: the UAF checker's record of it. It lives while an
/// invalidation holds it, an access pins it, a straggler will use it, or it is still in the ATC (a
/// dropped invalidation leaves it there), and is forgotten after that: nothing can reach it any more.
/// </summary>
internal sealed class Capture(AtcEntry entry, bool inAtc)
{
    public AtcEntry Entry { get; } = entry;

    /// <summary>Still cached, so new lookups can hit it (only after a dropped invalidation).</summary>
    public bool InAtc { get; set; } = inAtc;

    public int Stragglers { get; set; }

    /// <summary>When the first holder was acknowledged: from then on any use is a use-after-free.</summary>
    public DateTimeOffset? AckedAt { get; set; }

    public ulong AckedBy { get; set; }

    public List<Invalidation> Holders { get; } = new(1);
}
