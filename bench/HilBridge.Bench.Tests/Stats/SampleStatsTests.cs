namespace HilBridge.Bench.Tests.Stats;

public class SampleStatsTests
{
    [Fact]
    public void Of_HundredSamples_NearestRankLikeTheCHarness()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (long)i).Reverse().ToArray();

        var s = SampleStats.Of(samples);

        // index round(p/100 * 99): p50 -> 50 (value 51), p99 -> 98 (value 99)
        Assert.Equal(51, s.P50);
        Assert.Equal(99, s.P99);
        Assert.Equal(1, s.Min);
        Assert.Equal(100, s.Max);
        Assert.Equal(50.5, s.Mean);
    }

    [Fact]
    public void Of_Empty_AllZero()
    {
        var s = SampleStats.Of([]);

        Assert.Equal(0, s.Count);
        Assert.Equal(0, s.P99);
    }

    [Theory]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 2.0, 3.0 }, 2.5)]
    public void Median_OddAndEven_MiddleValue(double[] values, double expected) => Assert.Equal(expected, SampleStats.Median(values));
}
