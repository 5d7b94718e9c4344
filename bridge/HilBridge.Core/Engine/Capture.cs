using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

/// <summary>
/// A translation held by one or more invalidations: the UAF checker's record of it. It lives while an
/// invalidation holds it, an access pins it, a straggler will use it, or it is still in the ATC (a
/// dropped invalidation leaves it there), and is forgotten after that: nothing can reach it any more.
/// Pooled by the engine like <see cref="Invalidation"/>.
/// </summary>
internal sealed class Capture
{
    public AtcEntry Entry { get; private set; }

    /// <summary>Still cached, so new lookups can hit it (only after a dropped invalidation).</summary>
    public bool InAtc { get; set; }

    public int Stragglers { get; set; }

    /// <summary>When the first holder was acknowledged: from then on any use is a use-after-free.</summary>
    public DateTimeOffset? AckedAt { get; set; }

    public ulong AckedBy { get; set; }

    public List<Invalidation> Holders { get; } = new(1);

    /// <summary>Starts a new use of this object for another translation.</summary>
    public Capture Reset(AtcEntry entry, bool inAtc)
    {
        Entry = entry;
        InAtc = inAtc;
        Stragglers = 0;
        AckedAt = null;
        AckedBy = 0;
        Holders.Clear();
        return this;
    }
}
