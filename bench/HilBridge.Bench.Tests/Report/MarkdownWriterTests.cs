using HilBridge.Bench.Iotlb;
using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

public class MarkdownWriterTests
{
    private static SampleStats Stats(long p50, long p99) => new(100, p50, p50, p99, p99, p50, p99, p50);

    /// <summary>A cell whose per-round medians wobble by ±2% around <paramref name="p50"/> and <paramref name="burst"/> (6 rounds).</summary>
    private static IotlbCell Cell(string peer, long p50, long p99, long burst, AllocationSummary? alloc = null)
    {
        long[] wobble = [100, 102, 98, 101, 99, 100];
        return new("c", peer, peer + " description", Stats(p50, p99), Stats(p50, p99), Stats(burst, burst * 2),
            wobble.Select(w => p50 * w / 100).ToList(), [p99], 0, 0, alloc, wobble.Select(w => burst * w / 100).ToList(), [p50]);
    }

    private static BenchReport Report(long hbP50, long hbP99, long bytes, long hbBurst = 3200, long dpdkBurst = 6000)
    {
        var iotlb = new IotlbResults(new IotlbSettings(6, 0, 100, 10, 32, 10, ["c"]),
            [Cell("floor", 5000, 8000, 2800), Cell("dpdk", 10000, 20000, dpdkBurst),
             Cell("hilbridge", hbP50, hbP99, hbBurst, new AllocationSummary(bytes, 1000, bytes / 1000.0, 0, 0, 0, 0))],
            [], null);
        var machine = new MachineInfo(DateTimeOffset.UnixEpoch, "cpu", 2, 1, "k", "os", ".NET", "dpdk", "qemu", "qsd", "gcc", [0.5, 0.4, 0.3]);
        var comparisons = IotlbComparison.Compute(iotlb);
        return new BenchReport(machine, machine, iotlb, null, null, BenchReport.Check(iotlb, null, null, comparisons), comparisons,
            Publication.Decide(false, [], 0.5, 0.5, false));
    }

    private static bool? Met(BenchReport r, string prefix) => r.Targets.Single(t => t.Target.StartsWith(prefix, StringComparison.Ordinal)).Met;

    [Fact]
    public void Check_WithinLimits_AllIotlbTargetsMet()
    {
        var r = Report(hbP50: 14000, hbP99: 39000, bytes: 0);

        Assert.All(r.Targets, t => Assert.True(t.Met, t.Target));
    }

    [Fact]
    public void Check_SlowBurstTailAndAllocation_Missed()
    {
        var r = Report(hbP50: 14000, hbP99: 41000, bytes: 250_000, hbBurst: 5400);

        Assert.False(Met(r, "per-message cost"));
        Assert.True(Met(r, "INVALIDATE round trip, HilBridge"));
        Assert.False(Met(r, "INVALIDATE round trip p99"));
        Assert.False(Met(r, "bridge bytes"));
    }

    [Fact]
    public void Check_PeerUnderTheFloor_FlaggedAsMeasurementProblem()
    {
        var r = Report(hbP50: 14000, hbP99: 30000, bytes: 0, hbBurst: 2000);

        var flag = Assert.Single(r.Targets, t => t.Target.Contains("measurement problem", StringComparison.Ordinal));
        Assert.False(flag.Met);
        Assert.Contains(r.Comparisons!, c => c is { Numerator: "hilbridge", Denominator: "floor", Metric: IotlbComparison.Burst, BelowFloor: true });
    }

    [Fact]
    public void Compute_OverlappingPeers_Equal()
    {
        var r = Report(hbP50: 10000, hbP99: 20000, bytes: 0, hbBurst: 6000, dpdkBurst: 6000);

        var c = r.Comparisons!.Single(c => c is { Numerator: "hilbridge", Denominator: "dpdk", Metric: IotlbComparison.Burst });
        Assert.Equal("equal", c.Verdict);
        Assert.Equal(1.0, c.Estimate);
    }

    [Fact]
    public void Render_FullReport_HeadlineRatiosAndPublication()
    {
        var md = MarkdownWriter.Render(Report(hbP50: 15000, hbP99: 30000, bytes: 0));

        Assert.Contains("| HilBridge | **3.20** | 15.00 |", md);
        Assert.Contains("| HilBridge / socket floor | per message, bursts | 1.14x |", md);
        Assert.Contains("Publication: publishable", md);
        Assert.Contains("0.50 / 0.40 / 0.30", md);
    }

    [Fact]
    public void Render_Loaded_SaysNotPublishable()
    {
        var r = Report(hbP50: 15000, hbP99: 30000, bytes: 0) with { Publication = Publication.Decide(false, [], 3.1, 0.5, false) };

        Assert.Contains("**Not publishable**: 1-min load average 3.10 at start", MarkdownWriter.Render(r));
    }

    [Fact]
    public void FromJson_RenderedReport_RoundTrips()
    {
        var r = Report(hbP50: 15000, hbP99: 30000, bytes: 0);

        Assert.Equal(MarkdownWriter.Render(r), MarkdownWriter.Render(BenchReport.FromJson(r.ToJson())));
    }
}
