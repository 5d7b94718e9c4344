using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Tests.Atc;

public class AtcEntryTests
{
    [Fact]
    public void Last_OrdinaryRange_IsInclusiveLastByte()
    {
        var e = new AtcEntry(1, 0x1000, 0x1000, 0, AccessKind.Read);
        Assert.Equal(0x1FFFUL, e.Last);
        Assert.True(e.Contains(0x1FFF));
        Assert.False(e.Contains(0x2000));
        Assert.False(e.Contains(0xFFF));
    }

    [Fact]
    public void Last_RangeEndingExactlyAtTop_IsMaxValue()
    {
        var e = new AtcEntry(1, ulong.MaxValue - 0xFFF, 0x1000, 0, AccessKind.Read);
        Assert.Equal(ulong.MaxValue, e.Last);
        Assert.True(e.Contains(ulong.MaxValue));
    }

    [Fact]
    public void Last_SizeWrappingPastTop_SaturatesAtMaxValue()
    {
        var e = new AtcEntry(1, 0xFFFF_FFFF_FFFF_0000, ulong.MaxValue, 0, AccessKind.Read);
        Assert.Equal(ulong.MaxValue, e.Last);
        Assert.True(e.Contains(ulong.MaxValue));
        Assert.False(e.Contains(0)); // no wrap-around to low addresses
    }

    [Fact]
    public void Last_MaxSizeFromZero_StopsOneByteShortOfTop()
    {
        // 0 + (2^64 - 1) bytes: a ulong size cannot describe the full 2^64 span.
        var e = new AtcEntry(1, 0, ulong.MaxValue, 0, AccessKind.Read);
        Assert.Equal(ulong.MaxValue - 1, e.Last);
        Assert.False(e.Contains(ulong.MaxValue));
    }

    [Fact]
    public void BytesFrom_StartAndEndOfHugeEntry_CountsInclusively()
    {
        var e = new AtcEntry(1, 1, ulong.MaxValue, 0, AccessKind.Read); // saturates: [1, 2^64 - 1]
        Assert.Equal(ulong.MaxValue, e.BytesFrom(1));
        Assert.Equal(1UL, e.BytesFrom(ulong.MaxValue));
    }

    [Fact]
    public void Translate_OffsetInsideEntry_AddsToUserAddr()
    {
        var e = new AtcEntry(1, 0x1000, 0x2000, 0x7F00_0000_0000, AccessKind.Read);
        Assert.Equal(0x7F00_0000_0123UL, e.Translate(0x1123));
    }

    [Theory]
    [InlineData(AccessKind.Read, AccessKind.Read, true)]
    [InlineData(AccessKind.Read, AccessKind.Write, false)]
    [InlineData(AccessKind.Read, AccessKind.ReadWrite, false)]
    [InlineData(AccessKind.ReadWrite, AccessKind.Write, true)]
    [InlineData(AccessKind.ReadWrite, AccessKind.None, false)]
    [InlineData(AccessKind.None, AccessKind.Read, false)]
    public void Allows_PermissionMask_MatchesVhostBits(AccessKind perm, AccessKind kind, bool allowed) =>
        Assert.Equal(allowed, new AtcEntry(1, 0, 1, 0, perm).Allows(kind));

    [Fact]
    public void Contains_DefaultEntry_IsFalse() => Assert.False(default(AtcEntry).Contains(0));
}
