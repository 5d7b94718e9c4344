using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentile_NoSamples_IsNull() => Assert.Null(new LatencyHistogram().Percentile(50));

    [Fact]
    public void Percentile_SmallValues_AreExact()
    {
        var h = new LatencyHistogram();
        for (int i = 1; i <= 10; i++)
        {
            h.Record(TimeSpan.FromTicks(i));
        }

        Assert.Equal(TimeSpan.FromTicks(5), h.Percentile(50));
        Assert.Equal(TimeSpan.FromTicks(10), h.Percentile(99));
        Assert.Equal(TimeSpan.FromTicks(1), h.Percentile(0));
        Assert.Equal(TimeSpan.FromTicks(10), h.Percentile(100));
    }

    [Fact]
    public void Percentile_WideRange_WithinThreePercent()
    {
        var h = new LatencyHistogram();
        for (int ms = 1; ms <= 1000; ms++)
        {
            h.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.InRange(h.Percentile(50)!.Value.TotalMilliseconds, 500, 500 * 1.03);
        Assert.InRange(h.Percentile(99)!.Value.TotalMilliseconds, 990, 990 * 1.03);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), h.Percentile(100)); // clamped to the exact maximum
    }

    [Fact]
    public void Record_HugeAndNegative_DoNotThrow()
    {
        var h = new LatencyHistogram();
        h.Record(TimeSpan.MaxValue);
        h.Record(TimeSpan.FromTicks(-5));
        Assert.Equal(TimeSpan.Zero, h.Percentile(0));
        Assert.Equal(TimeSpan.MaxValue, h.Percentile(100));
    }

    [Fact]
    public void Percentile_OutOfRange_Throws()
    {
        var h = new LatencyHistogram();
        h.Record(TimeSpan.FromTicks(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(101));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(-1));
    }
}
