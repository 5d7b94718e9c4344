namespace HilBridge.Bench.Tests.Stats;

public class BootstrapTests
{
    [Fact]
    public void Ratio_ClearlyDifferent_IntervalExcludesOne()
    {
        double[] slow = [5.1, 5.3, 5.0, 5.4, 5.2, 5.1];
        double[] fast = [2.8, 2.9, 2.7, 2.8, 3.0, 2.8];

        var r = Bootstrap.Ratio(slow, fast)!;

        Assert.Equal(5.15 / 2.8, r.Estimate, 6);
        Assert.True(r.Low > 1.0, $"low {r.Low}");
        Assert.True(r.Low <= r.Estimate && r.Estimate <= r.High);
        Assert.False(r.IncludesOne);
    }

    [Fact]
    public void Ratio_OverlappingRounds_IntervalHoldsOne()
    {
        double[] a = [40, 44, 39, 46, 41, 43];
        double[] b = [42, 40, 45, 41, 44, 39];

        var r = Bootstrap.Ratio(a, b)!;

        Assert.True(r.IncludesOne, $"{r.Low}-{r.High}");
    }

    [Fact]
    public void Ratio_SameInput_SameInterval()
    {
        double[] a = [3, 4, 5, 4, 3, 6];
        double[] b = [2, 3, 2, 3, 2, 2];

        Assert.Equal(Bootstrap.Ratio(a, b), Bootstrap.Ratio(a, b));
    }

    [Fact]
    public void Ratio_NoRounds_Null() => Assert.Null(Bootstrap.Ratio([], []));

    [Fact]
    public void MedianOfRatios_AllPairsBelowOne_IntervalBelowOne()
    {
        var r = Bootstrap.MedianOfRatios([0.42, 0.47, 0.45, 0.50, 0.44])!;

        Assert.Equal(0.45, r.Estimate, precision: 9);
        Assert.False(r.IncludesOne);
        Assert.InRange(r.Low, 0.42, 0.45);
        Assert.InRange(r.High, 0.45, 0.50);
    }

    [Fact]
    public void MedianOfRatios_NoPairs_Null() => Assert.Null(Bootstrap.MedianOfRatios([]));
}
