using HilBridge.Bench.Iotlb;
using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

public class MarkdownWriterTests
{
    private static SampleStats Stats(long p50, long p99) => new(100, p50, p50, p99, p99, p50, p99, p50);

    private static IotlbCell Cell(string peer, long p50, long p99, AllocationSummary? alloc = null) =>
        new("c", peer, peer + " description", Stats(p50, p99), Stats(p50, p99), Stats(p50, p99), [p50], [p99], 0, 0, alloc);

    private static BenchReport Report(long hbP50, long hbP99, long bytes)
    {
        var iotlb = new IotlbResults(new IotlbSettings(1, 0, 100, 10, 32, 10, ["c"]),
            [Cell("floor", 5000, 8000), Cell("dpdk", 10000, 20000), Cell("hilbridge", hbP50, hbP99, new AllocationSummary(bytes, 1000, bytes / 1000.0, 0, 0, 0, 0))],
            [], null);
        var machine = new MachineInfo(DateTimeOffset.UnixEpoch, "cpu", 2, 1, "k", "os", ".NET", "dpdk", "qemu", "qsd", "gcc", [0.5, 0.4, 0.3]);
        var loaded = new BenchReport(machine, machine, iotlb, null, null, []);
        return loaded with { Targets = BenchReport.Check(iotlb, null) };
    }

    [Fact]
    public void Check_WithinLimits_AllIotlbTargetsMet()
    {
        var r = Report(hbP50: 14000, hbP99: 39000, bytes: 0);

        Assert.All(r.Targets, t => Assert.True(t.Met, t.Target));
    }

    [Fact]
    public void Check_SlowTailAndAllocation_Missed()
    {
        var r = Report(hbP50: 14000, hbP99: 41000, bytes: 250_000);

        Assert.Equal([true, false, false], r.Targets.Select(t => t.Met));
    }

    [Fact]
    public void Render_NoReplay_PlaceholderRowAndRatios()
    {
        var md = MarkdownWriter.Render(Report(hbP50: 15000, hbP99: 30000, bytes: 0));

        Assert.Contains("| replay (bench/replay) | not available |", md);
        Assert.Contains("| HilBridge / DPDK | 1.50x | 1.50x |", md);
        Assert.Contains("| HilBridge / floor | 3.00x | 3.75x |", md);
        Assert.Contains("0.50 / 0.40 / 0.30", md);
    }
}
