using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

/// <summary>The use-after-free checker on its own: captures, acknowledgements, pins, stragglers, forgetting.</summary>
public class TranslationLedgerTests
{
    private const ulong Page = 4096;
    private static readonly DateTimeOffset T0 = new(2026, 3, 6, 20, 0, 0, TimeSpan.Zero);

    private readonly TranslationLedger _ledger = new(AddressTranslationCache.DefaultCapacity, new EnginePool());
    private readonly LinkedList<Invalidation> _live = new();

    private AtcEntry Cache(ulong iova)
    {
        Assert.True(_ledger.TryCache(iova, Page, iova + (1UL << 40), AccessKind.ReadWrite));
        Assert.True(_ledger.TryLookup(iova, out var entry));
        return entry;
    }

    /// <summary>An invalidation of one page that arrived and now holds what it must see retired.</summary>
    private Invalidation Invalidate(ulong requestId, ulong iova, bool removeFromAtc = true)
    {
        var inv = new Invalidation().Reset(requestId, iova, iova + Page - 1, T0, T0.AddSeconds(1));
        _live.AddLast(inv.LiveNode);
        _ledger.Hold(inv, removeFromAtc, _live);
        return inv;
    }

    private void Acknowledge(Invalidation inv, DateTimeOffset at)
    {
        inv.State = InvalidationState.Acked;
        _ledger.MarkAcknowledged(inv, at);
    }

    [Fact]
    public void TryFindUseAfterFree_CapturedThenAcknowledged_ReturnsTheDeadCapture()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        Acknowledge(inv, T0.AddMilliseconds(1));

        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out var dead));
        Assert.Equal((entry, 7UL), (dead.Entry, dead.AckedBy));
    }

    [Fact]
    public void TryFindUseAfterFree_CapturedNotYetAcknowledged_ReturnsFalse()
    {
        var entry = Cache(0x1000);
        Invalidate(7, 0x1000);

        Assert.False(_ledger.TryFindUseAfterFree(entry.Id, out _));
    }

    [Fact]
    public void TryFindUseAfterFree_CachedButNeverInvalidated_ReturnsFalse()
    {
        var entry = Cache(0x1000);

        Assert.False(_ledger.TryFindUseAfterFree(entry.Id, out _));
        Assert.Equal(0, _ledger.TrackedCaptures);
    }

    [Fact]
    public void Violation_DeadCapture_ReportsEntryRequestAndTimeSinceAck()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        Acknowledge(inv, T0.AddMilliseconds(1));
        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out var dead));

        var violation = TranslationLedger.Violation(dead, 0x100, ViolationSource.DeviceAccess, 0x1010, 512, AccessKind.Write, T0.AddMilliseconds(4));

        Assert.Equal(
            new UafViolation(0x100, 0x1010, 512, AccessKind.Write, entry.Id, TimeSpan.FromMilliseconds(3), ViolationSource.DeviceAccess, 7),
            violation);
    }

    [Fact]
    public void Hold_RemoveFromAtc_WithdrawsTheTranslationFromLookups()
    {
        Cache(0x1000);
        var inv = Invalidate(7, 0x1000);

        Assert.False(_ledger.TryLookup(0x1000, out _));
        Assert.Equal((1, 1), (inv.Held.Count, inv.CachedHeld));
    }

    [Fact]
    public void Hold_DroppedInvalidation_LeavesTheTranslationCachedAndUsableUntilAcknowledged()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000, removeFromAtc: false);

        Assert.True(_ledger.TryLookup(0x1000, out _));
        Assert.False(_ledger.TryFindUseAfterFree(entry.Id, out _));
        Acknowledge(inv, T0);
        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out _));
    }

    [Fact]
    public void Hold_EarlierUnacknowledgedInvalidationOfTheRange_InheritsItsCaptures()
    {
        Cache(0x1000);
        var first = Invalidate(1, 0x1000);
        var second = Invalidate(2, 0x1000);

        Assert.Same(first.Held[0], Assert.Single(second.Held));
        Assert.Equal(0, second.CachedHeld);
        Assert.Equal(new[] { first, second }, first.Held[0].Holders);
    }

    [Fact]
    public void Hold_EarlierInvalidationAlreadyAcknowledged_InheritsNothing()
    {
        Cache(0x1000);
        var first = Invalidate(1, 0x1000);
        Acknowledge(first, T0);
        var second = Invalidate(2, 0x1000);

        Assert.Empty(second.Held);
    }

    [Fact]
    public void Pin_TranslationHeldByAnInvalidation_HolderWaitsForTheAccess()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000);

        var token = _ledger.Pin(entry, 0x1000, Page, AccessKind.Write, DmaPurpose.Payload, violationReported: false);

        Assert.True(token.IsValid);
        Assert.Equal(1, inv.PinnedHeld);
        Assert.Equal(1, _ledger.InFlightAccesses);
    }

    [Fact]
    public void Hold_TranslationAlreadyPinned_HolderWaitsForTheAccess()
    {
        var entry = Cache(0x1000);
        _ledger.Pin(entry, 0x1000, Page, AccessKind.Write, DmaPurpose.Payload, violationReported: false);

        var inv = Invalidate(7, 0x1000);

        Assert.Equal(1, inv.PinnedHeld);
    }

    [Fact]
    public void ReleasePin_LastPinOfAHeldTranslation_ReturnsItsCaptureAndFreesTheHolder()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        var a = _ledger.Pin(entry, 0x1000, Page, AccessKind.Write, DmaPurpose.Payload, false);
        var b = _ledger.Pin(entry, 0x1000, Page, AccessKind.Read, DmaPurpose.Payload, false);

        Assert.True(_ledger.TryUnpin(a, out var pinA));
        Assert.Null(_ledger.ReleasePin(pinA));
        Assert.Equal(1, inv.PinnedHeld);

        Assert.True(_ledger.TryUnpin(b, out var pinB));
        Assert.Same(inv.Held[0], _ledger.ReleasePin(pinB));
        Assert.Equal(0, inv.PinnedHeld);
    }

    [Fact]
    public void TryUnpin_UnknownOrDefaultToken_ReturnsFalse()
    {
        Assert.False(_ledger.TryUnpin(default, out _));
        Assert.False(_ledger.TryUnpin(new AccessToken(99), out _));
    }

    [Fact]
    public void ReleaseHeld_TranslationStillPinned_KeepsItTrackedUntilTheAccessEnds()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        var token = _ledger.Pin(entry, 0x1000, Page, AccessKind.Write, DmaPurpose.Payload, false);
        Acknowledge(inv, T0);

        _ledger.ReleaseHeld(inv);
        Assert.Equal(1, _ledger.TrackedCaptures);
        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out _));

        Assert.True(_ledger.TryUnpin(token, out var pin));
        var unpinned = Assert.IsType<Capture>(_ledger.ReleasePin(pin));
        _ledger.TryForget(unpinned);
        Assert.Equal(0, _ledger.TrackedCaptures);
    }

    [Fact]
    public void ReleaseHeld_DroppedInvalidation_KeepsTheCapturedTranslationUntilTheAtcLosesIt()
    {
        var entry = Cache(0x1000);
        var inv = Invalidate(7, 0x1000, removeFromAtc: false);
        Acknowledge(inv, T0);

        _ledger.ReleaseHeld(inv);
        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out _));

        _ledger.FlushAtc();
        Assert.Equal((0, 0), (_ledger.TrackedCaptures, _ledger.AtcCount));
    }

    [Fact]
    public void StragglerTargets_InheritedOrAcknowledgedCaptures_AreLeftOut()
    {
        Cache(0x1000);
        Cache(0x2000);
        var first = Invalidate(1, 0x1000);
        var inv = new Invalidation().Reset(2, 0x1000, 0x2fff, T0, T0.AddSeconds(1));
        _live.AddLast(inv.LiveNode);
        _ledger.Hold(inv, removeFromAtc: true, _live);

        var targets = _ledger.StragglerTargets(inv, AnyWrite);

        Assert.Equal(0x2000UL, Assert.Single(targets).Capture.Entry.Iova); // 0x1000 was inherited from the first
        Acknowledge(first, T0);
        Assert.Empty(_ledger.StragglerTargets(first, AnyWrite));
    }

    [Fact]
    public void StragglerTargets_Payload_OnlyTranslationsWrittenWithPayloadAtTheLastWrite()
    {
        var control = Cache(0x1000);
        var readOnly = Cache(0x2000);
        var written = Cache(0x3000);
        Cache(0x4000); // never used
        End(_ledger.Pin(control, 0x1000, 16, AccessKind.Write, DmaPurpose.Control, false));
        End(_ledger.Pin(readOnly, 0x2000, Page, AccessKind.Read, DmaPurpose.Payload, false));
        End(_ledger.Pin(written, 0x3000, 512, AccessKind.Write, DmaPurpose.Payload, false));
        End(_ledger.Pin(written, 0x3200, 512, AccessKind.Write, DmaPurpose.Payload, false));
        var inv = new Invalidation().Reset(1, 0x1000, 0x4fff, T0, T0.AddSeconds(1));
        _live.AddLast(inv.LiveNode);

        Assert.True(_ledger.HasStragglerTarget(0x1000, 0x4fff, PayloadWrite));
        Assert.False(_ledger.HasStragglerTarget(0x1000, 0x2fff, PayloadWrite));
        _ledger.Hold(inv, removeFromAtc: true, _live);
        var target = Assert.Single(_ledger.StragglerTargets(inv, PayloadWrite));

        Assert.Equal((written.Id, 0x3200UL), (target.Capture.Entry.Id, target.Iova));
        Assert.Equal(0x2000UL, Assert.Single(_ledger.StragglerTargets(inv, PayloadWrite with { Kind = AccessKind.Read })).Iova);
    }

    [Fact]
    public void PayloadUse_EntriesForgotten_IsForgottenToo()
    {
        var a = Cache(0x1000);
        var b = Cache(0x2000);
        End(_ledger.Pin(a, 0x1000, Page, AccessKind.Write, DmaPurpose.Payload, false));
        End(_ledger.Pin(b, 0x2000, Page, AccessKind.Write, DmaPurpose.Payload, false));
        var inv = Invalidate(1, 0x1000);
        Acknowledge(inv, T0);
        _ledger.ReleaseHeld(inv);
        Assert.Equal(1, _ledger.TrackedPayloadUses); // b, still cached

        _ledger.FlushAtc();

        Assert.Equal(0, _ledger.TrackedPayloadUses);
    }

    private static readonly StragglerSpec AnyWrite = new(1, Distribution.None);
    private static readonly StragglerSpec PayloadWrite = new(1, Distribution.None, Target: StragglerTarget.Payload);

    private void End(AccessToken token)
    {
        Assert.True(_ledger.TryUnpin(token, out var pin));
        if (_ledger.ReleasePin(pin) is { } capture)
        {
            _ledger.TryForget(capture);
        }
    }

    [Fact]
    public void AddStraggler_HeldTranslation_HolderWaitsUntilTheLastStragglerIsGone()
    {
        Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        var capture = inv.Held[0];

        _ledger.AddStraggler(capture);
        _ledger.AddStraggler(capture);
        Assert.Equal(1, inv.StragglingHeld);

        Assert.False(_ledger.RemoveStraggler(capture));
        Assert.True(_ledger.RemoveStraggler(capture));
        Assert.Equal(0, inv.StragglingHeld);
    }

    [Fact]
    public void TryForget_StragglerStillScheduled_KeepsTheCapture()
    {
        Cache(0x1000);
        var inv = Invalidate(7, 0x1000);
        var capture = inv.Held[0];
        _ledger.AddStraggler(capture);
        Acknowledge(inv, T0);
        _ledger.ReleaseHeld(inv);
        Assert.Equal(1, _ledger.TrackedCaptures);

        _ledger.RemoveStraggler(capture);
        _ledger.TryForget(capture);
        _ledger.TryForget(capture); // twice is harmless
        Assert.Equal(0, _ledger.TrackedCaptures);
    }

    [Fact]
    public void MarkAcknowledged_TwoHolders_TheFirstAcknowledgementNamesTheViolation()
    {
        var entry = Cache(0x1000);
        var first = Invalidate(1, 0x1000);
        var second = Invalidate(2, 0x1000);

        Acknowledge(second, T0);
        Acknowledge(first, T0.AddMilliseconds(5));

        Assert.True(_ledger.TryFindUseAfterFree(entry.Id, out var dead));
        Assert.Equal((2UL, T0), (dead.AckedBy, dead.AckedAt!.Value));
    }
}
