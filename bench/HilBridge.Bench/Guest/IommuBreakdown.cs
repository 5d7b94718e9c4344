namespace HilBridge.Bench.Guest;

/// <summary>
/// Where one configuration's time goes with the IOMMU on, per guest I/O of one test: medians over its
/// verified boots of what QEMU's trace counted (<see cref="IommuTraceWindow"/>) divided by the test's
/// I/Os, the vCPU's time in the SMMU command queue per invalidation, and that time's share of the test.
/// </summary>
public sealed record IommuBreakdown(
    string Config, string Test, int Boots, double InvalidationsPerIo, double SyncsPerIo, double MedianWaitPerInvalidationUs,
    double WaitPerIoUs, double WaitShareOfTest, double SmmuMissesPerIo, double VhostMissesPerIo, double MedianVhostMissUs, double VhostMissPerIoUs, double MedianMissGapUs)
{
    public static List<IommuBreakdown> Compute(GuestResults results) =>
        results.Boots.Where(b => b.Verified && b.IommuPlatform)
            .SelectMany(b => b.Tests.Where(t => t.Iommu is not null && t.Ops > 0).Select(t => (b.Config, Test: t)))
            .GroupBy(x => (x.Config, x.Test.Test))
            .Select(g =>
            {
                double Med(Func<GuestTestResult, IommuTraceWindow, double> f) => SampleStats.Median(g.Select(x => f(x.Test, x.Test.Iommu!)));
                return new IommuBreakdown(g.Key.Config, g.Key.Test, g.Count(),
                    Med((t, w) => w.Invalidations / (double)t.Ops),
                    Med((t, w) => w.Syncs / (double)t.Ops),
                    Med((_, w) => w.MedianWaitPerInvalidationUs),
                    Med((t, w) => w.WaitTotalUs / t.Ops),
                    Med((t, w) => t.Seconds > 0 ? w.WaitTotalUs / 1e6 / t.Seconds : double.NaN),
                    Med((t, w) => w.SmmuIotlbMisses / (double)t.Ops),
                    Med((t, w) => w.VhostIotlbMisses / (double)t.Ops),
                    Med((_, w) => w.MedianVhostMissUs),
                    Med((t, w) => w.VhostMissTotalUs / t.Ops),
                    Med((_, w) => w.MedianMissGapUs));
            })
            .ToList();
}
