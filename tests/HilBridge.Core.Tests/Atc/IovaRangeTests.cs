using HilBridge.Core.Atc;

namespace HilBridge.Core.Tests.Atc;

public class IovaRangeTests
{
    [Fact]
    public void Overlaps_AdjacentRanges_IsFalse()
    {
        var r = IovaRange.FromSize(0x1000, 0x1000);
        Assert.False(r.Overlaps(0x2000, 0x2FFF));
        Assert.False(r.Overlaps(0x0, 0xFFF));
        Assert.True(r.Overlaps(0x1FFF, 0x1FFF));
    }

    [Fact]
    public void FromSize_WrappingSize_SaturatesAtTop()
    {
        var r = IovaRange.FromSize(5, ulong.MaxValue);
        Assert.Equal(ulong.MaxValue, r.Last);
        Assert.True(r.Contains(ulong.MaxValue));
    }

    [Fact]
    public void FromSize_ZeroSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IovaRange.FromSize(0x1000, 0));

    [Fact]
    public void Constructor_FirstAfterLast_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IovaRange(2, 1));

    [Fact]
    public void All_CoversTopAndBottom()
    {
        Assert.True(IovaRange.All.Contains(0));
        Assert.True(IovaRange.All.Contains(ulong.MaxValue));
    }
}
