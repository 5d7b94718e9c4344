using HilBridge.Core.Engine;

namespace HilBridge.Control.Events;

/// <summary>Which events a subscriber wants; effects are checked under the engine lock, so it is a flag test.</summary>
public sealed class EventFilter
{
    private readonly uint _kinds;

    /// <param name="kinds">Wanted effect kinds; null or empty (and no <paramref name="guestFindings"/>) = all.</param>
    /// <param name="onlyRefusedAcks">Of the acknowledgements, only those with a non-zero status.</param>
    /// <param name="guestFindings">The guest's findings too (always, when nothing else is asked for).</param>
    public EventFilter(IEnumerable<EffectKind>? kinds = null, bool onlyRefusedAcks = false, bool guestFindings = false)
    {
        foreach (var kind in kinds ?? [])
        {
            _kinds |= 1u << (int)kind;
        }

        if (_kinds == 0 && !guestFindings)
        {
            _kinds = uint.MaxValue;
            guestFindings = true;
        }

        OnlyRefusedAcks = onlyRefusedAcks;
        GuestFindings = guestFindings;
    }

    public bool GuestFindings { get; }

    public static EventFilter All { get; } = new();

    public bool OnlyRefusedAcks { get; }

    public bool Accepts(in EngineEffect effect) =>
        (_kinds & (1u << (int)effect.Kind)) != 0
        && !(OnlyRefusedAcks && effect.Kind == EffectKind.AckInvalidation && effect.Status == 0);
}
