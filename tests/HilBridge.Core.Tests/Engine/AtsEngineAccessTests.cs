using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

public class AtsEngineAccessTests
{
    [Fact]
    public void BeginAccess_NoTranslation_ReturnsMissAndCounts()
    {
        var h = new EngineHarness();
        Assert.Equal(AccessResult.Miss, h.Engine.BeginAccess(0x1000, AccessKind.Read, DmaPurpose.Payload, out var entry, out var token));
        Assert.False(token.IsValid);
        Assert.Equal(default, entry);
        Assert.Equal(1, h.Counters.AtcMisses);
        Assert.Empty(h.Drain());
    }

    [Fact]
    public void BeginAccess_AfterUpdate_HitsWithQemuAddress()
    {
        var h = new EngineHarness();
        h.Engine.OnIotlbUpdate(0x10000, 2 * Page, 0x7F00_0000_0000, AccessKind.ReadWrite);

        var result = h.Engine.BeginAccess(0x11234, AccessKind.Write, DmaPurpose.Payload, out var entry, out var token);

        Assert.Equal(AccessResult.Hit, result);
        Assert.True(token.IsValid);
        Assert.Equal(0x7F00_0000_1234UL, entry.Translate(0x11234));
        Assert.Equal(1, h.Engine.InFlightAccesses);
        h.Engine.EndAccess(token);
        Assert.Equal(0, h.Engine.InFlightAccesses);
        Assert.Equal((1L, 1L), (h.Counters.AtcHits, h.Counters.AtcUpdates));
    }

    [Theory]
    [InlineData(AccessKind.Read, AccessKind.Write)]
    [InlineData(AccessKind.Write, AccessKind.Read)]
    [InlineData(AccessKind.Read, AccessKind.ReadWrite)]
    public void BeginAccess_DirectionNotGranted_ReturnsPermissionDenied(AccessKind perm, AccessKind kind)
    {
        var h = new EngineHarness();
        h.Map(0x1000, perm: perm);
        Assert.Equal(AccessResult.PermissionDenied, h.Engine.BeginAccess(0x1000, kind, DmaPurpose.Payload, out _, out var token));
        Assert.False(token.IsValid);
        Assert.Equal(1, h.Counters.PermissionDenials);
        Assert.Equal(0, h.Engine.InFlightAccesses);
    }

    [Fact]
    public void BeginAccess_KindNone_Throws()
    {
        var h = new EngineHarness();
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Engine.BeginAccess(0, AccessKind.None, DmaPurpose.Payload, out _, out _));
    }

    [Fact]
    public void OnIotlbUpdate_ZeroSize_IsRejectedAndCounted()
    {
        var h = new EngineHarness();
        h.Engine.OnIotlbUpdate(0x1000, 0, 0x2000, AccessKind.Read);
        Assert.Equal(0, h.Engine.AtcCount);
        Assert.Equal((0L, 1L), (h.Counters.AtcUpdates, h.Counters.AtcUpdatesRejected));
    }

    [Fact]
    public void OnIotlbUpdate_AtcFull_EvictsOldestAndCounts()
    {
        var h = new EngineHarness(atcCapacity: 2);
        h.Map(0x1000);
        h.Map(0x2000);
        h.Map(0x3000);
        Assert.Equal(1, h.Counters.AtcEvictions);
        Assert.Equal(AccessResult.Miss, h.Access(0x1000));
        Assert.Equal(AccessResult.Hit, h.Access(0x3000));
    }

    [Fact]
    public void OnIotlbUpdate_OverlappingRemap_NewTranslationWins()
    {
        var h = new EngineHarness();
        h.Engine.OnIotlbUpdate(0x1000, Page, 0xAAAA_0000, AccessKind.Read);
        h.Engine.OnIotlbUpdate(0x1000, Page, 0xBBBB_0000, AccessKind.ReadWrite);
        Assert.Equal(AccessResult.Hit, h.Engine.BeginAccess(0x1000, AccessKind.Write, DmaPurpose.Payload, out var entry, out _));
        Assert.Equal(0xBBBB_0000UL, entry.UserAddr);
        Assert.Equal(1, h.Engine.AtcCount);
    }

    [Fact]
    public void EndAccess_DefaultOrUnknownOrRepeatedToken_IsIgnored()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        var token = h.Pin(0x1000);
        h.Engine.EndAccess(default);
        h.Engine.EndAccess(new AccessToken(999));
        h.Engine.EndAccess(token);
        h.Engine.EndAccess(token);
        Assert.Equal(0, h.Engine.InFlightAccesses);
        Assert.Empty(h.Drain());
    }

    [Fact]
    public void BeginAccess_Hit_DoesNotAllocateOnceWarm()
    {
        var h = new EngineHarness();
        h.Map(0x1000);
        for (int i = 0; i < 100; i++)
        {
            h.Engine.BeginAccess(0x1000, AccessKind.Read, DmaPurpose.Payload, out _, out var warm);
            h.Engine.EndAccess(warm);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            h.Engine.BeginAccess(0x1000, AccessKind.Read, DmaPurpose.Payload, out _, out var token);
            h.Engine.EndAccess(token);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
