using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

/// <summary>No positive completion in time (slow, dropped or refused), under Hope and under Fence.</summary>
public class AtsEngineTimeoutTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public void Timeout_Hope_AcksSuccessAnywayAtTimeout()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(5000)), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Equal(h.Time.GetUtcNow() + OneSecond, h.Engine.NextDeadline); // the 5 s completion is never scheduled

        h.Advance(OneSecond);

        var effects = h.Drain();
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Equal((0UL, OneSecond), (effects[1].Status, effects[1].Latency));
        Assert.False(h.Engine.FenceState.IsFenced);
        Assert.Equal((1L, 1L, 0L), (h.Counters.InvalidationsTimedOut, h.Counters.InvalidationsAcked, h.Counters.Fences));
    }

    [Fact]
    public void Timeout_HopeThenStragglers_StragglersAreViolations()
    {
        var rule = Rules.Delay(5000) with { Stragglers = Rules.Stragglers(2, afterMs: 1500, AccessKind.Write, 128) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(9, 0x1000, Page);
        h.Advance(OneSecond);
        h.Drain();

        h.AdvanceMs(500);

        var effects = h.Drain();
        Assert.Equal(
            [EffectKind.StragglerAccess, EffectKind.Violation, EffectKind.StragglerAccess, EffectKind.Violation],
            Kinds(effects));
        Assert.All(effects.Where(e => e.Kind == EffectKind.StragglerAccess), e => Assert.Equal(StragglerOutcome.Violation, e.Straggler.Outcome));
        var v = effects[1].Violation;
        Assert.Equal((Sid, 0x1000UL, 128UL, AccessKind.Write), (v.StreamId, v.Iova, v.Bytes, v.Kind));
        Assert.Equal((ViolationSource.Straggler, Ms(500), 9UL), (v.Source, v.TimeSinceAck, v.RequestId));
        Assert.Equal((2L, 2L), (h.Counters.Violations, h.Counters.StragglersIssued));
        Assert.Equal((0, 0), (h.Engine.TrackedCaptures, h.Engine.LiveInvalidations));
    }

    [Fact]
    public void Stragglers_Payload_RunAtTheLastPayloadWriteWithIdsAndTheStaleAddress()
    {
        var rule = Rules.Delay(5000) with
        {
            Stragglers = Rules.Stragglers(2, afterMs: 1500, AccessKind.Write, 64) with { Target = StragglerTarget.Payload },
        };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope);
        h.Map(0x1000, pages: 2);
        h.Engine.EndAccess(h.Pin(0x1000, AccessKind.Write, DmaPurpose.Control)); // a status byte: no target
        h.Engine.EndAccess(h.Pin(0x2800, AccessKind.Write));
        h.Engine.OnIotlbInvalidate(9, 0x1000, 2 * Page);
        h.Advance(OneSecond);
        h.Drain();

        h.AdvanceMs(500);

        var stragglers = h.Drain().Where(e => e.Kind == EffectKind.StragglerAccess).Select(e => e.Straggler).ToList();
        Assert.Equal([1UL, 2UL], stragglers.Select(s => s.Id));
        Assert.All(stragglers, s => Assert.Equal((0x2800UL, 0x2800UL + (1UL << 40), 64UL), (s.Iova, s.UserAddr, s.Bytes)));
    }

    [Fact]
    public void Stragglers_PayloadWithoutAPayloadTranslation_RuleDoesNotApply()
    {
        var rule = Rules.Delay(5000) with { Stragglers = Rules.Stragglers(1, afterMs: 1500) with { Target = StragglerTarget.Payload } };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.EndAccess(h.Pin(0x1000, AccessKind.Read)); // payload, but read: not a write target

        h.Engine.OnIotlbInvalidate(9, 0x1000, Page);

        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain())); // completed at once: no delay, no straggler
    }

    [Fact]
    public void Timeout_HopeWithAccessInFlight_EndAccessReportsViolation()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(5000)), FencePolicy.Hope);
        h.Map(0x1000);
        var token = h.Pin(0x1000, AccessKind.Read);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], Kinds(h.Drain()));

        h.AdvanceMs(2);
        h.Engine.EndAccess(token);

        var v = Single(h.Drain(), EffectKind.Violation).Violation;
        Assert.Equal((ViolationSource.DeviceAccess, AccessKind.Read, Page, Ms(2)), (v.Source, v.Kind, v.Bytes, v.TimeSinceAck));
    }

    [Fact]
    public void Timeout_Fence_FencesFirstThenAcks()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(5000)), FencePolicy.Fence);
        h.Map(0x1000);
        h.Map(0x8000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);

        var effects = h.Drain();
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Contains("timed out", effects[1].Reason);
        Assert.Equal(0UL, effects[2].Status);
        Assert.True(h.Engine.FenceState.IsFenced);
        Assert.Equal(h.Time.GetUtcNow(), h.Engine.FenceState.Since);
        Assert.Equal(0, h.Engine.AtcCount); // flushed: nothing cached before the fence is usable
        Assert.Equal((1L, 1L), (h.Counters.Fences, h.Counters.InvalidationsTimedOut));
    }

    [Fact]
    public void Timeout_Fence_LaterStragglersRefusedNeverViolations()
    {
        var rule = Rules.Delay(5000) with { Stragglers = Rules.Stragglers(3, afterMs: 1500) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        h.Drain();

        h.AdvanceMs(500);

        var effects = h.Drain();
        Assert.Equal(3, effects.Count);
        Assert.All(effects, e => Assert.Equal(StragglerOutcome.RefusedFenced, e.Straggler.Outcome));
        Assert.Equal((3L, 3L, 0L), (h.Counters.StragglersIssued, h.Counters.StragglersRefused, h.Counters.Violations));
    }

    [Fact]
    public void Timeout_FenceBlockTranslated_PayloadRefusedControlTranslatesFreshly()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Fence, FenceMode.BlockTranslated);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);

        Assert.Equal(AccessResult.Fenced, h.Access(0x1000, purpose: DmaPurpose.Payload));
        Assert.Equal(AccessResult.Miss, h.Access(0x1000, purpose: DmaPurpose.Control)); // flushed: untranslated lookups go to QEMU
        h.Map(0x1000);
        Assert.Equal(AccessResult.Hit, h.Access(0x1000, purpose: DmaPurpose.Control));
        Assert.Equal(AccessResult.Fenced, h.Access(0x1000, purpose: DmaPurpose.Payload));
        Assert.Equal((2L, 0L), (h.Counters.RefusedAccesses, h.Counters.Violations));
    }

    [Fact]
    public void Timeout_FenceAbortMode_EveryAccessRefused()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Fence, FenceMode.Abort);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        h.Map(0x1000);

        Assert.Equal(AccessResult.Fenced, h.Access(0x1000, purpose: DmaPurpose.Payload));
        Assert.Equal(AccessResult.Fenced, h.Access(0x1000, purpose: DmaPurpose.Control));
        Assert.Equal(2, h.Counters.RefusedAccesses);
    }

    [Fact]
    public void Timeout_FenceWithAccessInFlight_AckWaitsForItAndNoViolation()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(5000)), FencePolicy.Fence);
        h.Map(0x1000);
        var token = h.Pin(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced], Kinds(h.Drain()));

        h.AdvanceMs(1);
        h.Engine.EndAccess(token);

        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void Timeout_Fence_OtherPendingInvalidationsAckedByTheFence()
    {
        var slow = Rules.Delay(5000) with { Iova = new Core.Atc.IovaRange(0x1000, 0x1FFF) };
        var h = new EngineHarness(Rules.Policy(slow, Rules.Delay(3000)), FencePolicy.Fence);
        h.Map(0x1000);
        h.Map(0x8000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(100);
        h.Engine.OnIotlbInvalidate(2, 0x8000, Page);
        h.AdvanceMs(900);

        var effects = h.Drain();
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Equal([1UL, 2UL], effects.Skip(2).Select(e => e.RequestId));
        Assert.Equal(1, h.Counters.InvalidationsTimedOut); // request 2 completed safely, not timed out
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void Timeout_CompletionDueAtTheSameInstant_CountsAsInTime()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(1000)), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.False(h.Engine.FenceState.IsFenced);
    }

    [Fact]
    public void Timeout_HostTimerLate_OutcomeSameAsOnTime()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(5000) with { Stragglers = Rules.Stragglers(1, afterMs: 1500) }), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Time.Advance(TimeSpan.FromSeconds(3)); // OnTimer never called in between
        h.Engine.OnTimer();
        var effects = h.Drain();
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation, EffectKind.StragglerAccess], Kinds(effects));
        Assert.Equal(StragglerOutcome.RefusedFenced, effects[3].Straggler.Outcome);
    }

    [Fact]
    public void Timeout_AmdViPreset_FiresAfter100Ms()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(150)), FencePolicy.Hope, timeout: EngineOptions.AmdViTimeout);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(100);
        Assert.Equal(Ms(100), Single(h.Drain(), EffectKind.AckInvalidation).Latency);
    }

    [Fact]
    public void Options_Presets_MatchTheDrivers()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), EngineOptions.ArmSmmuV3Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), EngineOptions.AmdViTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), EngineOptions.PcieTimeout);
        Assert.Equal(EngineOptions.ArmSmmuV3Timeout, new EngineOptions().InvalidationTimeout);
    }

    [Fact]
    public void Drop_Hope_BeforeTimeoutHitIsLegalAfterItIsAViolation()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        Assert.Empty(h.Drain());
        Assert.Equal(AccessResult.Hit, h.Access(0x1000)); // the device lost the request and still uses it
        Assert.Equal(0, h.Counters.Violations);

        h.Advance(OneSecond);
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], Kinds(h.Drain()));
        h.AdvanceMs(250);

        Assert.Equal(AccessResult.Hit, h.Engine.BeginAccess(0x1000, 512, AccessKind.Write, DmaPurpose.Payload, out var entry, out var token));
        var v = Single(h.Drain(), EffectKind.Violation).Violation;
        Assert.Equal((ViolationSource.DeviceAccess, 512UL, entry.Id, Ms(250), 1UL), (v.Source, v.Bytes, v.EntryId, v.TimeSinceAck, v.RequestId));
        h.Engine.EndAccess(token);
        Assert.Empty(h.Drain()); // reported once, not again at the end
        Assert.Equal((1L, 1L, 1L), (h.Counters.Violations, h.Counters.StaleHits, h.Counters.InvalidationsDropped));
    }

    [Fact]
    public void Drop_HopeThenRemap_FreshTranslationIsClean()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Advance(OneSecond);
        h.Map(0x1000); // the newer translation replaces the stale one
        Assert.Equal(AccessResult.Hit, h.Access(0x1000));
        Assert.Equal(0, h.Counters.Violations);
        Assert.Equal(0, h.Engine.TrackedCaptures);
    }

    [Fact]
    public void Drop_Fence_FencesAtTimeoutAndStaleEntryIsNeverUsed()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(999);
        Assert.Empty(h.Drain());
        h.AdvanceMs(1);

        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal(AccessResult.Fenced, h.Access(0x1000));
        Assert.Equal(AccessResult.Miss, h.Access(0x1000, purpose: DmaPurpose.Control));
        Assert.Equal(0, h.Counters.Violations);
        Assert.Equal(0, h.Engine.TrackedCaptures);
    }

    [Fact]
    public void Drop_LaterCleanInvalidationOfSameRange_RemovesTheStaleEntry()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Engine.SetPolicy(FaultPolicy.None);
        h.Engine.OnIotlbInvalidate(2, 0x1000, Page);
        Assert.Equal(2UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        Assert.Equal(AccessResult.Miss, h.Access(0x1000));
        h.Advance(OneSecond);
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void Refuse_Hope_AcksAtOnceWithNonZeroStatus()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Refuse()), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);

        var ack = Assert.Single(h.Drain());
        Assert.Equal((EffectKind.AckInvalidation, 1UL), (ack.Kind, ack.Status));
        Assert.Equal((1L, 1L, 1L, 0L), (h.Counters.NegativeCompletions, h.Counters.InvalidationsRefused, h.Counters.InvalidationsAcked, h.Counters.InvalidationsTimedOut));
        Assert.False(h.Engine.FenceState.IsFenced);
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void Refuse_HopeWithStragglers_StragglersAfterTheRefusalAreViolations()
    {
        var rule = Rules.Refuse() with { Stragglers = Rules.Stragglers(1, afterMs: 5) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(5);
        Assert.Equal(
            [EffectKind.AckInvalidation, EffectKind.StragglerAccess, EffectKind.Violation],
            Kinds(h.Drain()));
    }

    [Fact]
    public void Refuse_Fence_FencesThenAcksSuccess()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Refuse()), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);

        var effects = h.Drain();
        Assert.Equal([EffectKind.Fenced, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Contains("refused", effects[0].Reason);
        Assert.Equal(0UL, effects[1].Status);
        Assert.Equal((1L, 0L), (h.Counters.NegativeCompletions, h.Counters.InvalidationsRefused));
    }

    [Fact]
    public void Refuse_WithDelay_RefusesWhenTheDelayElapses()
    {
        var rule = Rules.Refuse() with { Delay = Distribution.Fixed(0.2) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope, seed: 1);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(199);
        Assert.Empty(h.Drain());
        h.AdvanceMs(1);
        var ack = Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal((1UL, Ms(200)), (ack.Status, ack.Latency));
        Assert.Equal((1L, 1L), (h.Counters.InvalidationsDelayed, h.Counters.NegativeCompletions));
    }

    [Fact]
    public void Options_RefusedAckStatus_IsUsedForHopeRefusals()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Refuse()), FencePolicy.Hope);
        var engine = new AtsEngine(new EngineOptions { FencePolicy = FencePolicy.Hope, Policy = h.Options.Policy, RefusedAckStatus = 0xFF }, h.Time);
        engine.OnIotlbInvalidate(1, 0, Page);
        Assert.True(engine.TryTakeEffect(out var ack));
        Assert.Equal(0xFFUL, ack.Status);
    }
}
