using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// Late accesses a buggy or slow device makes through the translations an invalidation captured:
/// <see cref="Count"/> accesses, each <see cref="Delay"/> after the invalidation arrived, of
/// <see cref="Bytes"/> bytes (clamped to the translation) in direction <see cref="Kind"/>, through the
/// translations <see cref="Target"/> selects. Straggler i uses selected translation i modulo the number
/// selected; none run if nothing was selected. The host performs each one as a real DMA (a write puts
/// <see cref="Dma.StragglerPoison"/> into guest memory) unless the engine refused it.
/// </summary>
public sealed record StragglerSpec(
    int Count, Distribution Delay, AccessKind Kind = AccessKind.Write, ulong Bytes = 4096, StragglerTarget Target = StragglerTarget.Any)
{
    /// <summary>Guards against a scenario typo scheduling millions of events per invalidation.</summary>
    public const int MaxCount = 4096;

    internal void Validate()
    {
        if (Count is < 0 or > MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(Count), Count, $"Straggler count must be in [0, {MaxCount}].");
        }

        if (Kind is not (AccessKind.Read or AccessKind.Write))
        {
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "A straggler is either a Read or a Write.");
        }

        ArgumentOutOfRangeException.ThrowIfZero(Bytes, nameof(Bytes));
        if (!Enum.IsDefined(Target))
        {
            throw new ArgumentOutOfRangeException(nameof(Target), Target, "A straggler targets any translation or payload ones.");
        }
    }
}
