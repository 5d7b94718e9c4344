using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

/// <summary>Fencing, invalidations while fenced, and the recovery flow that ends in a fresh attach.</summary>
public class AtsEngineFenceTests
{
    private static EngineHarness FencedHarness(FaultPolicy? policy = null, uint? streamId = Sid)
    {
        var h = new EngineHarness(policy, streamId: streamId);
        h.Engine.Fence("test");
        h.Drain();
        return h;
    }

    [Fact]
    public void Fence_Manual_EmitsFencedFlushesAtcAndBlocksPayload()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        h.Engine.Fence("operator");
        var fenced = Assert.Single(h.Drain());
        Assert.Equal((EffectKind.Fenced, "operator"), (fenced.Kind, fenced.Reason));
        Assert.Equal(new FenceState(true, "operator", h.Time.GetUtcNow(), false, false, false), h.Engine.FenceState);
        Assert.Equal(0, h.Engine.AtcCount);
        Assert.Equal(AccessResult.Fenced, h.Access(0x1000));
    }

    [Fact]
    public void Fence_WithDelayedInvalidationPending_AcksItAtOnce()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(500)));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(10);
        h.Engine.Fence("operator");
        var effects = h.Drain();
        Assert.Equal([EffectKind.Fenced, EffectKind.AckInvalidation], Kinds(effects));
        Assert.Equal(Ms(10), effects[1].Latency);
        Assert.Null(h.Engine.NextDeadline);
    }

    [Fact]
    public void OnIotlbInvalidate_WhileFenced_AcksAtOnceIgnoringThePolicy()
    {
        var h = FencedHarness(Rules.Policy(Rules.Drop()));
        h.Map(0x1000); // a fresh translation used by control accesses
        h.Engine.OnIotlbInvalidate(5, 0x1000, Page);
        var ack = Assert.Single(h.Drain());
        Assert.Equal((EffectKind.AckInvalidation, 5UL, 0UL), (ack.Kind, ack.RequestId, ack.Status));
        Assert.Equal(AccessResult.Miss, h.Access(0x1000, purpose: DmaPurpose.Control));
        Assert.Equal(0, h.Counters.InvalidationsDropped);
    }

    [Fact]
    public void OnIotlbInvalidate_WhileFencedWithControlAccessInFlight_AckWaitsForIt()
    {
        var h = FencedHarness();
        h.Map(0x1000);
        var token = h.Pin(0x1000, purpose: DmaPurpose.Control);
        h.Engine.OnIotlbInvalidate(5, 0x1000, Page);
        Assert.Empty(h.Drain());
        h.Engine.EndAccess(token);
        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void Recovery_StopStartSte_UnfencesWithRecoveryTime()
    {
        var h = FencedHarness();
        h.AdvanceMs(100);
        h.Engine.OnDeviceStopped();
        h.AdvanceMs(100);
        h.Engine.OnDeviceStarted();
        Assert.True(h.Engine.FenceState.IsFenced);
        h.AdvanceMs(50);
        h.Engine.OnSteInvalidated(Sid);

        var unfenced = Assert.Single(h.Drain());
        Assert.Equal((EffectKind.Unfenced, Ms(250)), (unfenced.Kind, unfenced.RecoveryTime));
        Assert.Contains("STE 0x100", unfenced.Reason);
        Assert.False(h.Engine.FenceState.IsFenced);
        Assert.Equal(FenceState.Unfenced, h.Engine.FenceState);
        Assert.Equal((1L, Ms(250)), (h.Counters.Unfences, h.Counters.LastRecoveryTime!.Value));
        h.Map(0x1000);
        Assert.Equal(AccessResult.Hit, h.Access(0x1000));
    }

    [Fact]
    public void Recovery_SteFirstThenStopStart_AlsoUnfences()
    {
        var h = FencedHarness();
        h.Engine.OnSteInvalidated(Sid);
        h.Engine.OnDeviceStopped();
        h.Engine.OnDeviceStarted();
        Assert.False(h.Engine.FenceState.IsFenced);
    }

    public static TheoryData<string[]> IncompleteRecoveries => new()
    {
        new[] { "stop", "start" },             // no fresh attach
        new[] { "stop", "ste" },               // never restarted
        new[] { "start", "ste" },              // never reset
        new[] { "start", "stop", "ste" },      // start came before the stop
        new[] { "stop", "start", "stop", "ste" }, // down again: needs another start
        new[] { "ste:0x200", "stop", "start" },   // someone else's STE
    };

    [Theory]
    [MemberData(nameof(IncompleteRecoveries))]
    public void Recovery_MissingPiece_StaysFenced(string[] steps)
    {
        var h = FencedHarness();
        foreach (var step in steps)
        {
            switch (step)
            {
                case "stop": h.Engine.OnDeviceStopped(); break;
                case "start": h.Engine.OnDeviceStarted(); break;
                case "ste": h.Engine.OnSteInvalidated(Sid); break;
                case "ste:0x200": h.Engine.OnSteInvalidated(0x200); break;
            }
        }

        Assert.True(h.Engine.FenceState.IsFenced);
        Assert.Empty(h.Drain());
        Assert.Equal(AccessResult.Fenced, h.Access(0x1000));
    }

    [Fact]
    public void Recovery_StepsBeforeTheFence_DoNotCount()
    {
        var h = new EngineHarness();
        h.Engine.OnDeviceStopped();
        h.Engine.OnSteInvalidated(Sid);
        h.Engine.Fence("test");
        h.Engine.OnDeviceStarted();
        Assert.True(h.Engine.FenceState.IsFenced);
    }

    [Fact]
    public void Recovery_UnknownStreamId_AnySteCounts()
    {
        var h = FencedHarness(streamId: null);
        h.Engine.OnDeviceStopped();
        h.Engine.OnDeviceStarted();
        h.Engine.OnSteInvalidated(0x7);
        Assert.Contains("an STE", Single(h.Drain(), EffectKind.Unfenced).Reason);
    }

    [Fact]
    public void Fence_DuringRecovery_RestartsTheRequirementsAndTheClock()
    {
        var h = FencedHarness();
        h.Engine.OnDeviceStopped();
        h.Engine.OnDeviceStarted();
        h.AdvanceMs(100);
        h.Engine.Fence("again");
        Assert.Equal(new FenceState(true, "again", h.Time.GetUtcNow(), false, false, false), h.Engine.FenceState);
        h.Engine.OnSteInvalidated(Sid);
        Assert.True(h.Engine.FenceState.IsFenced); // the earlier stop/start no longer count

        h.AdvanceMs(40);
        h.Engine.OnDeviceStopped();
        h.Engine.OnDeviceStarted();

        var effects = h.Drain();
        Assert.Equal([EffectKind.Fenced, EffectKind.Unfenced], Kinds(effects));
        Assert.Equal(Ms(40), effects[1].RecoveryTime);
        Assert.Equal(2, h.Counters.Fences);
    }

    [Fact]
    public void Unfence_Manual_UnfencesWithoutRecovery()
    {
        var h = FencedHarness();
        h.AdvanceMs(30);
        h.Engine.Unfence("operator");
        var effect = Assert.Single(h.Drain());
        Assert.Equal((EffectKind.Unfenced, "operator", Ms(30)), (effect.Kind, effect.Reason, effect.RecoveryTime));
        Assert.False(h.Engine.FenceState.IsFenced);
    }

    [Fact]
    public void Unfence_NotFenced_IsNoOp()
    {
        var h = new EngineHarness();
        h.Engine.Unfence("operator");
        Assert.Empty(h.Drain());
        Assert.Equal(0, h.Counters.Unfences);
    }

    [Fact]
    public void OnDeviceStopped_CancelsStragglersAndClearsAtc()
    {
        var rule = Rules.Delay(5000) with { Stragglers = Rules.Stragglers(2, afterMs: 2000) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Hope);
        h.Map(0x1000);
        h.Map(0x9000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(500);
        h.Engine.OnDeviceStopped();
        Assert.Equal(0, h.Engine.AtcCount);
        Assert.Equal(2, h.Counters.StragglersCancelled);

        h.RunUntil(h.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal((0L, 0L), (h.Counters.StragglersIssued, h.Counters.Violations));
        Assert.Equal((0, 0), (h.Engine.TrackedCaptures, h.Engine.LiveInvalidations));
    }

    [Fact]
    public void OnDeviceStopped_StragglersWereAllThatHeldTheAck_AcksNow()
    {
        var rule = Rules.Delay(5) with { Stragglers = Rules.Stragglers(1, afterMs: 500) };
        var h = new EngineHarness(Rules.Policy(rule));
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(10);
        h.Engine.OnDeviceStopped();
        Assert.Equal([EffectKind.AckInvalidation], Kinds(h.Drain()));
    }

    [Fact]
    public void Unfence_ManualWithoutReset_PendingStragglerBecomesAViolation()
    {
        // Why recovery insists on a reset: a device that was only unfenced may still hold stale translations.
        var rule = Rules.Delay(5000) with { Stragglers = Rules.Stragglers(1, afterMs: 2000) };
        var h = new EngineHarness(Rules.Policy(rule), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(1000);
        h.AdvanceMs(500);
        h.Engine.Unfence("operator");
        h.AdvanceMs(500);
        var effects = h.Drain();
        Assert.Equal(
            [EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation, EffectKind.Unfenced, EffectKind.StragglerAccess, EffectKind.Violation],
            Kinds(effects));
        Assert.Equal(TimeSpan.FromSeconds(1), effects[5].Violation.TimeSinceAck);
    }

    [Fact]
    public void Recovery_InvalidationsRacingWithIt_AckedWhileFencedPolicyAgainAfter()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Fence);
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(1000);                          // timeout: fence
        h.Engine.OnDeviceStopped();
        h.Engine.OnIotlbInvalidate(2, 0x1000, Page); // guest tears down mappings during the reset
        h.Engine.OnDeviceStarted();
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(3, 0x1000, Page);
        h.Engine.OnSteInvalidated(Sid);              // fresh attach
        h.Map(0x1000);
        h.Engine.OnIotlbInvalidate(4, 0x1000, Page); // unfenced: the Drop rule applies again

        var effects = h.Drain();
        Assert.Equal(
            [EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation, EffectKind.AckInvalidation, EffectKind.AckInvalidation, EffectKind.Unfenced],
            Kinds(effects));
        Assert.Equal([1UL, 2UL, 3UL], effects.Where(e => e.Kind == EffectKind.AckInvalidation).Select(e => e.RequestId));
        Assert.Equal(1, h.Engine.PendingInvalidations); // request 4 was dropped
        h.AdvanceMs(1000);
        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.Fenced, EffectKind.AckInvalidation], Kinds(h.Drain()));
        Assert.Equal(0, h.Counters.Violations);
    }

    [Fact]
    public void Timeout_ForcedAccessStuckPastItsOwnTimeout_AckedAnywayAndReported()
    {
        // Safety valve: QEMU stalls until we answer, so an access stuck for a whole timeout cannot hold the ack forever.
        var h = new EngineHarness();
        h.Engine.Fence("test");
        h.Map(0x1000);
        var token = h.Pin(0x1000, purpose: DmaPurpose.Control);
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.AdvanceMs(1000);
        h.Engine.EndAccess(token);
        Assert.Equal(
            [EffectKind.Fenced, EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation, EffectKind.Violation],
            Kinds(h.Drain()));
        Assert.Equal(1, h.Counters.Fences);
    }
}
