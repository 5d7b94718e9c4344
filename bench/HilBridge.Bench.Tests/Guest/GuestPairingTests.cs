using HilBridge.Bench.Guest;

namespace HilBridge.Bench.Tests.Guest;

public class GuestPairingTests
{
    private static GuestBoot Boot(string config, int rep, double iops, bool verified = true) =>
        new(config, config, config.Contains("iommu", StringComparison.Ordinal), rep, verified, null, 1, 2,
            [new GuestTestResult("randread", 4096, 100, 5, 1, iops, 1, 2, 0, 0)], null);

    [Fact]
    public void Paired_IommuPair_RatiosAgainstTheBuiltInPeerOfTheSameRepetition()
    {
        List<GuestBoot> boots =
        [
            Boot(GuestBenchmark.HilBridgeIommu, 1, 300), Boot(GuestBenchmark.BuiltInIommu, 1, 600),
            Boot(GuestBenchmark.BuiltInIommu, 2, 500), Boot(GuestBenchmark.HilBridgeIommu, 2, 400),
            Boot(GuestBenchmark.HilBridgeIommu, 3, 999, verified: false), Boot(GuestBenchmark.BuiltInIommu, 3, 500),
            Boot(GuestBenchmark.Qsd, 1, 1),
        ];

        var paired = Assert.Single(GuestBenchmark.Paired(boots, GuestBenchmark.HilBridgeIommu, GuestBenchmark.BuiltInIommu));

        Assert.Equal(GuestBenchmark.BuiltInIommu, paired.Baseline);
        Assert.Equal([0.5, 0.8], paired.Ratios);
        Assert.Equal(0.65, paired.Median, precision: 6);
        Assert.True(paired.Low <= 0.5 + 1e-9 && paired.High >= 0.8 - 1e-9);
    }
}
