using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

public class DistributionTests
{
    private const int Samples = 200_000;

    private static double SampleMean(Distribution d, ulong seed = 2026)
    {
        var random = new DeterministicRandom(seed);
        double sum = 0;
        for (int i = 0; i < Samples; i++)
        {
            double s = d.SampleSeconds(random);
            Assert.True(s >= 0);
            sum += s;
        }

        return sum / Samples;
    }

    public static TheoryData<string, Distribution, double> Cases => new()
    {
        { "none", Distribution.None, 0 },
        { "fixed", Distribution.Fixed(0.25), 0 },
        { "uniform", Distribution.Uniform(0.010, 0.030), 0.005 },
        { "exponential", Distribution.Exponential(0.5), 0.01 },
        { "lognormal", Distribution.LogNormal(-2.0, 0.5), 0.01 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SampleSeconds_ManySamplesFixedSeed_MeanWithinTolerance(string name, Distribution d, double relativeTolerance)
    {
        double mean = SampleMean(d);
        Assert.True(
            Math.Abs(mean - d.MeanSeconds) <= relativeTolerance * d.MeanSeconds,
            $"{name}: sample mean {mean} vs expected {d.MeanSeconds}");
    }

    [Fact]
    public void SampleSeconds_Uniform_StaysWithinBounds()
    {
        var d = Distribution.Uniform(0.2, 0.3);
        var random = new DeterministicRandom(1);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.InRange(d.SampleSeconds(random), 0.2, 0.3);
        }
    }

    [Fact]
    public void SampleSeconds_LogNormal_MedianIsExpMu()
    {
        var d = Distribution.LogNormal(Math.Log(0.1), 1.0);
        var random = new DeterministicRandom(3);
        var samples = Enumerable.Range(0, 50_001).Select(_ => d.SampleSeconds(random)).Order().ToArray();
        Assert.InRange(samples[25_000], 0.097, 0.103);
    }

    [Fact]
    public void Sample_HeavyTail_ClampedToMaxSeconds()
    {
        var d = Distribution.LogNormal(30, 0); // e^30 s, far beyond any DateTimeOffset arithmetic we want
        Assert.Equal(TimeSpan.FromSeconds(Distribution.MaxSeconds), d.Sample(new DeterministicRandom(1)));
    }

    [Fact]
    public void Sample_Fixed_ExactTicks()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(50), Distribution.Fixed(0.05).Sample(new DeterministicRandom(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), Distribution.Fixed(TimeSpan.FromMilliseconds(50)).Sample(new DeterministicRandom(1)));
    }

    [Fact]
    public void SampleSeconds_SameSeed_SameSequence()
    {
        var d = Distribution.Exponential(1);
        var a = new DeterministicRandom(5);
        var b = new DeterministicRandom(5);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(d.SampleSeconds(a), d.SampleSeconds(b));
        }
    }

    [Fact]
    public void Factories_InvalidParameters_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.Fixed(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.Fixed(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.Uniform(0.3, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.Exponential(double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.LogNormal(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.LogNormal(double.NaN, 1));
    }
}
