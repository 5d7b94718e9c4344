using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

/// <summary>Short constructors for the fault rules the tests use.</summary>
internal static class Rules
{
    public static FaultPolicy Policy(params FaultRule[] rules) => new(rules);

    public static FaultRule Delay(double ms) => new() { Delay = Distribution.Fixed(ms / 1000) };

    public static FaultRule Drop() => new() { Outcome = FaultOutcome.Drop };

    public static FaultRule Refuse() => new() { Outcome = FaultOutcome.Refuse };

    public static StragglerSpec Stragglers(int count, double afterMs, AccessKind kind = AccessKind.Write, ulong bytes = 512) =>
        new(count, Distribution.Fixed(afterMs / 1000), kind, bytes);
}
