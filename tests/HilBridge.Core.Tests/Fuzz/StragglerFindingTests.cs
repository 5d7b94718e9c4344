using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Fuzz;

/// <summary>
/// Regression for a fuzzing finding (tests/HilBridge.Fuzz/corpus/iotlb): a dropped invalidation
/// inherits translations from earlier unacknowledged ones; when a later one also inherited a
/// translation that another invalidation had meanwhile completed, its stragglers used it, a
/// use-after-free under the fence policy that no fence could have prevented.
/// </summary>
public sealed class StragglerFindingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ScheduleStragglers_InheritedTranslationAlreadyAcknowledged_NeverUsesIt()
    {
        var clock = new SteppedClock(Start);
        var straggler = new StragglerSpec(1, Distribution.Fixed(TimeSpan.FromMilliseconds(465)), AccessKind.Write, 64);
        var engine = new AtsEngine(new EngineOptions
        {
            FencePolicy = FencePolicy.Fence,
            InvalidationTimeout = TimeSpan.FromSeconds(1),
            Policy = new FaultPolicy(
                new FaultRule { Name = "lost, with a late write", EveryNth = 2, Outcome = FaultOutcome.Drop, Stragglers = straggler },
                new FaultRule { Name = "slow", Delay = Distribution.Fixed(TimeSpan.FromMilliseconds(81)) }),
        }, clock);

        engine.OnIotlbUpdate(0x8000, 0x6000, 0x7f00_0000_0000, AccessKind.ReadWrite);
        engine.OnIotlbInvalidate(1, 0x9000, 0x1000);          // completes after 81 ms, held back by the straggler below
        engine.OnIotlbInvalidate(2, 0x6000, 0x1_0000_0000);   // lost; inherits the translation; straggler at 465 ms
        Advance(engine, clock, TimeSpan.FromMilliseconds(500)); // straggler ran (allowed), then 1 was acknowledged
        engine.OnIotlbInvalidate(3, 0x10_0000, 0x1000);       // elsewhere: slow
        engine.OnIotlbInvalidate(4, 0xd000, 0x2000);          // lost again; inherits through 2 the translation 1 completed
        Advance(engine, clock, TimeSpan.FromMilliseconds(480)); // before 2's timeout: the device is not fenced yet

        Assert.Equal(0, engine.Counters.Violations);
        Assert.False(engine.FenceState.IsFenced);
    }

    private static void Advance(AtsEngine engine, SteppedClock clock, TimeSpan by)
    {
        var target = clock.Now + by;
        while (engine.NextDeadline is { } due && due <= target)
        {
            clock.Now = due > clock.Now ? due : clock.Now;
            engine.OnTimer();
        }
        clock.Now = target;
        while (engine.TryTakeEffect(out _))
        {
        }
    }
}
