using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Fuzz;

/// <summary>
/// Regression for a fuzzing finding (tests/HilBridge.Fuzz/corpus/iotlb): a dropped invalidation
/// inherits translations from earlier unacknowledged ones; when a later one also inherited a
/// translation that another invalidation had meanwhile completed, its stragglers used it, a
/// use-after-free under the fence policy that no fence could have prevented. Since the fix a straggler
/// only goes through a translation its own invalidation took out of the ATC; the test shows both halves:
/// such a straggler runs, and none goes through the inherited dead translation.
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
            // Found with whole-entry invalidation, where 1 takes all of A away (exactly, it leaves A's
            // other pages cached as new, live translations, and stragglers through them are legal).
            ExactInvalidation = false,
            FencePolicy = FencePolicy.Fence,
            InvalidationTimeout = TimeSpan.FromSeconds(1),
            Policy = new FaultPolicy(
                new FaultRule { Name = "lost, with a late write", EveryNth = 2, Outcome = FaultOutcome.Drop, Stragglers = straggler },
                new FaultRule { Name = "slow", Delay = Distribution.Fixed(TimeSpan.FromMilliseconds(81)) }),
        }, clock);

        var effects = new List<EngineEffect>();
        engine.OnIotlbUpdate(0x8000, 0x6000, 0x7f00_0000_0000, AccessKind.ReadWrite);   // A: the translation of the finding
        engine.OnIotlbUpdate(0x20_0000, 0x1000, 0x7f00_0010_0000, AccessKind.ReadWrite); // B: only 2 finds it in the ATC
        var a = EntryAt(engine, 0x8000);
        var b = EntryAt(engine, 0x20_0000);
        engine.OnIotlbInvalidate(1, 0x9000, 0x1000);          // takes A out of the ATC; completes after 81 ms
        engine.OnIotlbInvalidate(2, 0x6000, 0x1_0000_0000);   // lost; finds B in the ATC, inherits A from 1; straggler at 465 ms
        Advance(engine, clock, TimeSpan.FromMilliseconds(500), effects);
        engine.OnIotlbInvalidate(3, 0x10_0000, 0x1000);       // elsewhere: slow
        engine.OnIotlbInvalidate(4, 0xd000, 0x2000);          // lost again; inherits through 2 the translation A that 1 completed
        Advance(engine, clock, TimeSpan.FromMilliseconds(480), effects); // past 4's straggler delay, before 2's timeout: not fenced yet

        // A was dead from 1's acknowledgement at 81 ms on.
        Assert.Equal(Start.AddMilliseconds(81), Assert.Single(effects, e => e.Kind == EffectKind.AckInvalidation && e.RequestId == 1).At);
        // Stragglers do run here (without one, "no violation" below would hold for an engine that runs none):
        // 2's went through B, the translation it took out of the ATC itself, while that was still legal...
        var ran = Assert.Single(effects, e => e.Kind == EffectKind.StragglerAccess).Straggler;
        Assert.Equal((2UL, b, StragglerOutcome.Allowed), (ran.RequestId, ran.EntryId, ran.Outcome));
        // ...and nothing, from 2 or from 4, went through the inherited, already dead A.
        Assert.DoesNotContain(effects, e => e.Kind == EffectKind.StragglerAccess && (e.Straggler.EntryId == a || e.RequestId == 4));
        Assert.Equal((1L, 0L), (engine.Counters.StragglersIssued, engine.Counters.Violations));
        Assert.False(engine.FenceState.IsFenced);
    }

    /// <summary>The Id of the translation covering <paramref name="iova"/>, through one (ended) access.</summary>
    private static ulong EntryAt(AtsEngine engine, ulong iova)
    {
        Assert.Equal(AccessResult.Hit, engine.BeginAccess(iova, AccessKind.Read, DmaPurpose.Control, out var entry, out var token));
        engine.EndAccess(token);
        return entry.Id;
    }

    private static void Advance(AtsEngine engine, SteppedClock clock, TimeSpan by, List<EngineEffect> effects)
    {
        var target = clock.Now + by;
        while (engine.NextDeadline is { } due && due <= target)
        {
            clock.Now = due > clock.Now ? due : clock.Now;
            engine.OnTimer();
        }
        clock.Now = target;
        while (engine.TryTakeEffect(out var effect))
        {
            effects.Add(effect);
        }
    }
}
