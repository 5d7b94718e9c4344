using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

public class AtsEngineInvalidationTests
{
    [Fact]
    public void OnIotlbInvalidate_WellBehavedDevice_AcksImmediately()
    {
        var h = new EngineHarness();
        h.Map(0x1000);

        h.Engine.OnIotlbInvalidate(7, 0x1000, Page);

        var ack = Assert.Single(h.Drain());
        Assert.Equal(EffectKind.AckInvalidation, ack.Kind);
        Assert.Equal((7UL, 0UL, TimeSpan.Zero), (ack.RequestId, ack.Status, ack.Latency));
        Assert.Equal(AccessResult.Miss, h.Access(0x1000));
        Assert.Equal((1L, 1L), (h.Counters.Invalidations, h.Counters.InvalidationsAcked));
        Assert.Equal(0, h.Counters.InvalidationsDelayed);
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void OnIotlbInvalidate_OnePageOfALargerTranslation_OtherPagesStillHit()
    {
        // A front-end that invalidates one page must not cost the device the rest (a miss it may never answer).
        var h = new EngineHarness();
        h.Map(0x10000, pages: 8);

        h.Engine.OnIotlbInvalidate(3, 0x12000, Page);

        Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal(AccessResult.Miss, h.Access(0x12000));
        Assert.Equal(AccessResult.Hit, h.Access(0x11000));
        Assert.Equal(AccessResult.Hit, h.Access(0x13000));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void OnIotlbInvalidate_FixedDelay_AcksAtExactlyTheDelay()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(50)));
        h.Map(0x1000);
        var arrival = h.Time.GetUtcNow();

        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Empty(h.Drain());
        Assert.Equal(arrival + Ms(50), h.Engine.NextDeadline);
        Assert.Equal(1, h.Engine.PendingInvalidations);

        h.Advance(Ms(50) - TimeSpan.FromTicks(1));
        Assert.Empty(h.Drain());
        h.Advance(TimeSpan.FromTicks(1));

        var ack = Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal(Ms(50), ack.Latency);
        Assert.Equal(arrival + Ms(50), ack.At);
        Assert.Equal(0, h.Engine.PendingInvalidations);
        Assert.Null(h.Engine.NextDeadline); // the timeout was disarmed
        Assert.Equal(1, h.Counters.InvalidationsDelayed);
    }

    [Fact]
    public void NextDeadline_DelayedAnswerSettledByAFence_IsNotReported()
    {
        // The 50 ms answer of request 1 goes stale when request 2's refusal fences the device (which settles
        // request 1 at once). The engine skips its due check while nothing can be due yet, so that stale
        // answer stays queued: the next deadline must still skip it.
        var refuseSecondPage = new FaultRule { Iova = new IovaRange(0x2000, 0x2fff), Outcome = FaultOutcome.Refuse };
        var h = new EngineHarness(Rules.Policy(refuseSecondPage, Rules.Delay(50)));
        h.Map(0x1000);
        h.Map(0x2000);
        var arrival = h.Time.GetUtcNow();

        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Equal(arrival + Ms(50), h.Engine.NextDeadline);
        h.Engine.OnIotlbInvalidate(2, 0x2000, Page);

        Assert.Contains(h.Drain(), e => e.Kind == EffectKind.Fenced);
        Assert.Equal(0, h.Engine.PendingInvalidations);
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void OnIotlbInvalidate_WhileDelayed_EntryIsGoneForNewLookups()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(50)));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Equal(AccessResult.Miss, h.Access(0x1000));
        Assert.Equal(0, h.Engine.AtcCount);
    }

    [Fact]
    public void OnIotlbInvalidate_AccessInFlight_AckWaitsForEndAccess()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        var token = h.Pin(0x1000);

        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(3);
        Assert.Empty(h.Drain());

        h.Engine.EndAccess(token);
        var ack = Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal(Ms(3), ack.Latency);
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void OnIotlbInvalidate_AccessInFlightThroughAReplacedTranslation_AckWaitsForEndAccess()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        var token = h.Pin(0x1000);
        h.Map(0x1000); // QEMU's new UPDATE replaces the entry while the DMA still uses the old one

        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(3);
        Assert.Empty(h.Drain());

        h.Engine.EndAccess(token);
        Assert.Equal(Ms(3), Single(h.Drain(), EffectKind.AckInvalidation).Latency);
        Assert.Equal((0L, 0), (h.Counters.Violations, h.Engine.TrackedCaptures));
    }

    [Fact]
    public void OnIotlbInvalidate_DelayOutlastsAccess_AcksAtDelay()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(20)));
        h.Map(0x1000);
        var token = h.Pin(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(5);
        h.Engine.EndAccess(token);
        Assert.Empty(h.Drain());
        h.AdvanceMs(15);
        Assert.Equal(Ms(20), Single(h.Drain(), EffectKind.AckInvalidation).Latency);
    }

    [Fact]
    public void OnIotlbInvalidate_AccessToUnrelatedEntry_DoesNotDelayAck()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        h.Map(0x2000);
        h.Pin(0x2000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal(AccessResult.Hit, h.Access(0x2000));
    }

    [Fact]
    public void OnIotlbInvalidate_Stragglers_RunAllowedAndAckWaitsForTheLast()
    {
        var rule = Rules.Delay(10) with { Stragglers = Rules.Stragglers(2, afterMs: 30, AccessKind.Read, bytes: 64) };
        var h = new EngineHarness(Rules.Policy(rule));
        h.Map(0x1000);
        h.Map(0x2000);

        h.Engine.OnIotlbInvalidate(1, 0x1000, 2 * Page);
        h.AdvanceMs(10);
        Assert.Empty(h.Drain()); // device done, stragglers still outstanding
        h.AdvanceMs(20);

        var effects = h.Drain();
        Assert.Equal([EffectKind.StragglerAccess, EffectKind.StragglerAccess, EffectKind.AckInvalidation], Kinds(effects));
        Assert.All(effects.Take(2), e => Assert.Equal(StragglerOutcome.Allowed, e.Straggler.Outcome));
        Assert.Equal([0x1000UL, 0x2000UL], effects.Take(2).Select(e => e.Straggler.Iova)); // one per captured translation
        Assert.Equal((64UL, AccessKind.Read), (effects[0].Straggler.Bytes, effects[0].Straggler.Kind));
        Assert.Equal(Ms(30), effects[2].Latency);
        Assert.Equal((2L, 0L, 0L), (h.Counters.StragglersIssued, h.Counters.StragglersRefused, h.Counters.Violations));
    }

    [Fact]
    public void OnIotlbInvalidate_StragglerBytesLargerThanEntry_ClampedToEntry()
    {
        var rule = new FaultRule { Stragglers = Rules.Stragglers(1, afterMs: 1, bytes: 1 << 20) };
        var h = new EngineHarness(Rules.Policy(rule));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(1);
        Assert.Equal(Page, Single(h.Drain(), EffectKind.StragglerAccess).Straggler.Bytes);
    }

    [Fact]
    public void OnIotlbInvalidate_StragglersButNothingCaptured_AcksImmediately()
    {
        var rule = new FaultRule { Stragglers = Rules.Stragglers(3, afterMs: 30) };
        var h = new EngineHarness(Rules.Policy(rule));
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void OnIotlbInvalidate_PartialOverlap_RemovesExactlyTheRange()
    {
        var h = new EngineHarness();
        h.Map(0x1000, pages: 4);                     // [0x1000, 0x4FFF]
        h.Map(0x8000);
        h.Engine.OnIotlbInvalidate(1, 0x3000, 0x10);  // 16 bytes inside the first entry
        Assert.Equal(AccessResult.Miss, h.Access(0x3000));
        Assert.Equal(AccessResult.Miss, h.Access(0x300F));
        Assert.Equal(AccessResult.Hit, h.Access(0x3010));
        Assert.Equal(AccessResult.Hit, h.Access(0x1000));
        Assert.Equal(AccessResult.Hit, h.Access(0x8000));
    }

    [Fact]
    public void OnIotlbInvalidate_WholeEntryMode_PartialOverlapRemovesTheWholeEntry()
    {
        // How traces recorded before exact invalidation replay (EngineOptions.ExactInvalidation off).
        var h = new EngineHarness(exactInvalidation: false);
        h.Map(0x1000, pages: 4);
        h.Map(0x8000);
        h.Engine.OnIotlbInvalidate(1, 0x3000, 0x10);
        Assert.Equal(AccessResult.Miss, h.Access(0x3010));
        Assert.Equal(AccessResult.Miss, h.Access(0x1000));
        Assert.Equal(AccessResult.Hit, h.Access(0x8000));
    }

    [Fact]
    public void OnIotlbInvalidate_TranslationInUse_RemovedWholeAndTheAckWaitsForTheAccess()
    {
        // An access in flight may touch any page of its translation, so that one goes whole (its Id keeps
        // naming all of it); a translation nobody uses is cut exactly.
        var h = new EngineHarness();
        h.Map(0x10000, pages: 4);
        h.Map(0x20000, pages: 4);
        var inFlight = h.Pin(0x13000, AccessKind.Read);

        h.Engine.OnIotlbInvalidate(1, 0x11000, Page);
        h.Engine.OnIotlbInvalidate(2, 0x21000, Page);

        Single(h.Drain(), EffectKind.AckInvalidation); // 2, at once
        h.Engine.EndAccess(inFlight);
        Assert.Equal(1UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        Assert.Equal(AccessResult.Miss, h.Access(0x13000));
        Assert.Equal(AccessResult.Hit, h.Access(0x23000));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void OnIotlbInvalidate_AdjacentRange_KeepsNeighbours()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        h.Map(0x3000);
        h.Engine.OnIotlbInvalidate(1, 0x2000, Page);
        Assert.Equal(2, h.Engine.AtcCount);
    }

    [Fact]
    public void OnIotlbInvalidate_SizeZero_MeansWholeAddressSpaceAsQemuEncodesIt()
    {
        // QEMU sends addr_mask + 1, which wraps to 0 for an unmap of the whole 64-bit space.
        var h = new EngineHarness();
        h.Map(0);
        h.Map(1UL << 48);
        h.Engine.OnIotlbUpdate(ulong.MaxValue, 1, 0, AccessKind.Read);
        h.Engine.OnIotlbInvalidate(1, 0, 0);
        Assert.Equal(0, h.Engine.AtcCount);
        Single(h.Drain(), EffectKind.AckInvalidation);
    }

    [Fact]
    public void OnIotlbInvalidate_SizeWrappingPastTop_InvalidatesToTheEnd()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        h.Map(0x9000);
        h.Engine.OnIotlbUpdate(ulong.MaxValue - Page + 1, Page, 0, AccessKind.Read);
        h.Engine.OnIotlbInvalidate(1, 0x9000, ulong.MaxValue);
        Assert.Equal(1, h.Engine.AtcCount);
        Assert.Equal(AccessResult.Hit, h.Access(0x1000));
    }

    [Fact]
    public void OnIotlbInvalidate_OverlappingWhileEarlierDelayed_EachAcksOnItsOwn()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(100)));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Engine.SetPolicy(FaultPolicy.None);
        h.Engine.OnIotlbInvalidate(2, 0x1000, Page);

        Assert.Equal(2UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        h.AdvanceMs(100);
        Assert.Equal(1UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        Assert.Equal((0, 0), (h.Engine.TrackedCaptures, h.Engine.LiveInvalidations));
    }

    [Fact]
    public void OnIotlbInvalidate_OverlappingWhileEarlierHasAccessInFlight_LaterAlsoWaitsForIt()
    {
        // The later ack promises the range is clean, which includes the earlier request's pinned translation.
        var h = new EngineHarness(Rules.Policy(Rules.Delay(100)));
        h.Map(0x1000);
        var token = h.Pin(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Engine.SetPolicy(FaultPolicy.None);
        h.Engine.OnIotlbInvalidate(2, 0x0, 0x10000);
        Assert.Empty(h.Drain());

        h.AdvanceMs(20);
        h.Engine.EndAccess(token);
        var ack = Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal((2UL, Ms(20)), (ack.RequestId, ack.Latency));
        h.AdvanceMs(80);
        Assert.Equal(1UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void OnIotlbInvalidate_OverlappingWhileEarlierHasStragglers_LaterWaitsAndNoViolation()
    {
        var slow = Rules.Delay(100) with { Stragglers = Rules.Stragglers(1, afterMs: 200) };
        var h = new EngineHarness(Rules.Policy(slow));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Engine.SetPolicy(FaultPolicy.None);
        h.Engine.OnIotlbInvalidate(2, 0x1000, Page);
        h.AdvanceMs(150);
        Assert.Empty(h.Drain());

        h.AdvanceMs(50);
        var effects = h.Drain();
        Assert.Equal([EffectKind.StragglerAccess, EffectKind.AckInvalidation, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Equal(StragglerOutcome.Allowed, effects[0].Straggler.Outcome);
        Assert.Equal([1UL, 2UL], effects.Skip(1).Select(e => e.RequestId));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void OnIotlbInvalidate_DisjointRangesDelayedDifferently_AckIndependently()
    {
        var near = Rules.Delay(10) with { Iova = IovaRange.FromSize(0x1000, Page) };
        var far = Rules.Delay(30);
        var h = new EngineHarness(Rules.Policy(near, far));
        h.Map(0x1000);
        h.Map(0x5000);
        h.Engine.OnIotlbInvalidate(1, 0x5000, Page);
        h.Engine.OnIotlbInvalidate(2, 0x1000, Page);
        h.AdvanceMs(10);
        Assert.Equal(2UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        h.AdvanceMs(20);
        Assert.Equal(1UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
    }

    [Fact]
    public void OnIotlbInvalidate_AllSettled_HistoryIsForgotten()
    {
        var rule = Rules.Delay(5) with { Stragglers = Rules.Stragglers(2, afterMs: 7) };
        var h = new EngineHarness(Rules.Policy(rule));
        for (ulong i = 0; i < 50; i++)
        {
            h.Map(i * Page);
            var token = h.Pin(i * Page);
            h.Engine.OnIotlbInvalidate(i, i * Page, Page);
            h.Engine.EndAccess(token);
        }

        h.AdvanceMs(10);
        Assert.Equal(50, h.Drain().Count(e => e.Kind == EffectKind.AckInvalidation));
        Assert.Equal((0, 0, 0), (h.Engine.TrackedCaptures, h.Engine.LiveInvalidations, h.Engine.PendingInvalidations));
    }

    [Fact]
    public void AckLatencyPercentile_AfterDelayedAcks_ReportsP50AndP99()
    {
        var h = new EngineHarness(Rules.Policy(new FaultRule { Delay = Distribution.Uniform(0.001, 0.100) }));
        for (ulong i = 0; i < 200; i++)
        {
            h.Engine.OnIotlbInvalidate(i, i * Page, Page);
        }

        h.RunUntil(h.Time.GetUtcNow() + Ms(200));
        Assert.Equal(200, h.Counters.AckLatencySamples);
        var p50 = h.Counters.AckLatencyPercentile(50)!.Value;
        var p99 = h.Counters.AckLatencyPercentile(99)!.Value;
        Assert.InRange(p50.TotalMilliseconds, 35, 65);
        Assert.InRange(p99.TotalMilliseconds, 90, 100.01);
    }
}
