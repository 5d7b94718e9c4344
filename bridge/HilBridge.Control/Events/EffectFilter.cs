using HilBridge.Core.Engine;

namespace HilBridge.Control.Events;

/// <summary>Which effects a subscriber wants; checked under the engine lock, so it is a flag test.</summary>
public sealed class EffectFilter
{
    private readonly uint _kinds;

    /// <param name="kinds">Wanted kinds; null or empty = all.</param>
    /// <param name="onlyRefusedAcks">Of the acknowledgements, only those with a non-zero status.</param>
    public EffectFilter(IEnumerable<EffectKind>? kinds = null, bool onlyRefusedAcks = false)
    {
        foreach (var kind in kinds ?? [])
        {
            _kinds |= 1u << (int)kind;
        }

        if (_kinds == 0)
        {
            _kinds = uint.MaxValue;
        }

        OnlyRefusedAcks = onlyRefusedAcks;
    }

    public static EffectFilter All { get; } = new();

    public bool OnlyRefusedAcks { get; }

    public bool Accepts(in EngineEffect effect) =>
        (_kinds & (1u << (int)effect.Kind)) != 0
        && !(OnlyRefusedAcks && effect.Kind == EffectKind.AckInvalidation && effect.Status == 0);
}
