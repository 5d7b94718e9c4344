using System.Globalization;
using System.Text.Json;
using HilBridge.Bench.Guest;
using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Report;

/// <summary>Everything one run of bench/run.sh measured, as written to results.json (and committed as bench/results/latest.json).</summary>
public sealed record BenchReport(
    MachineInfo MachineAtStart, MachineInfo? MachineAtEnd, IotlbResults? Iotlb, GuestResults? Guest, ReplayResults? Replay,
    IReadOnlyList<TargetCheck> Targets, IReadOnlyList<IotlbComparison>? Comparisons = null, Publication? Publication = null)
{
    /// <summary>Reads a run directory (machine-*.json, iotlb.json, guest.json, replay.json) and derives comparisons, targets and publication.</summary>
    public static BenchReport Load(string directory, bool quick = false, IReadOnlyList<string>? failedSteps = null,
        double loadThreshold = Publication.DefaultLoadThreshold, bool ignoreLoad = false)
    {
        T? Read<T>(string name) where T : class
        {
            var path = Path.Combine(directory, name);
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), BenchJson.Options) : null;
        }

        var start = Read<MachineInfo>("machine-start.json") ?? MachineInfo.Collect();
        var end = Read<MachineInfo>("machine-end.json");
        var iotlb = Read<IotlbResults>("iotlb.json");
        var guest = Read<GuestResults>("guest.json");
        if (guest is { PairedRatios: null })
        {
            guest = guest with { PairedRatios = [] }; // written by an older hilbridge-bench
        }

        var replay = Read<ReplayResults>("replay.json");
        var comparisons = iotlb is null ? [] : IotlbComparison.Compute(iotlb);
        var publication = Publication.Decide(quick, failedSteps ?? [], start.LoadAverage.FirstOrDefault(), loadThreshold, ignoreLoad);
        return new BenchReport(start, end, iotlb, guest, replay, Check(iotlb, guest, replay, comparisons), comparisons, publication);
    }

    /// <summary>A report as committed (bench/results/latest.json).</summary>
    public static BenchReport FromJson(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, BenchJson.Options) ?? throw new BenchException("the report JSON is empty");

    public string ToJson() => JsonSerializer.Serialize(this, BenchJson.Options);

    internal static List<TargetCheck> Check(IotlbResults? iotlb, GuestResults? guest, ReplayResults? replay = null, IReadOnlyList<IotlbComparison>? comparisons = null)
    {
        var checks = new List<TargetCheck>();
        comparisons ??= iotlb is null ? [] : IotlbComparison.Compute(iotlb);
        IotlbComparison? Find(string metric, string a, string b) =>
            comparisons.FirstOrDefault(c => c.Harness == "c" && c.Metric == metric && c.Numerator == a && c.Denominator == b);

        var burstFloor = Find(IotlbComparison.Burst, "hilbridge", "floor");
        checks.Add(TargetLimits.AtMost("per-message cost in pipelined bursts, HilBridge / C floor (C harness)", TargetLimits.BurstVersusFloor,
            burstFloor?.Estimate, Interval(burstFloor)));
        var p50 = Find(IotlbComparison.Invalidate, "hilbridge", "dpdk");
        checks.Add(TargetLimits.AtMost("INVALIDATE round trip, HilBridge / DPDK (C harness, median of round medians)", TargetLimits.P50VersusDpdk,
            p50?.Estimate, Interval(p50)));
        var hb = iotlb?.Cells.FirstOrDefault(c => c.Harness == "c" && c.Peer == "hilbridge");
        var dpdk = iotlb?.Cells.FirstOrDefault(c => c.Harness == "c" && c.Peer == "dpdk");
        checks.Add(TargetLimits.AtMost("INVALIDATE round trip p99, HilBridge / DPDK (C harness, pooled)", TargetLimits.P99VersusDpdk, Ratio(hb?.Invalidate.P99, dpdk?.Invalidate.P99)));
        var alloc = iotlb?.Cells.Where(c => c.Peer == "hilbridge" && c.Allocation is not null).Select(c => c.Allocation!).ToList();
        double? perMessage = alloc is { Count: > 0 } ? alloc.Sum(a => (double)a.Bytes) / alloc.Sum(a => (double)a.IotlbMessages) : null;
        checks.Add(TargetLimits.AtMost("bridge bytes allocated per IOTLB message (steady state)", TargetLimits.AllocatedBytesPerMessage, perMessage,
            alloc is { Count: > 0 } ? $"{alloc.Sum(a => a.Gen0)} gen0 / {alloc.Sum(a => a.Gen1)} gen1 / {alloc.Sum(a => a.Gen2)} gen2 collections in the windows" : ""));
        foreach (var c in comparisons.Where(c => c.BelowFloor))
        {
            // Not a target: a figure under the floor means the measurement is wrong, and the table says so.
            checks.Add(new TargetCheck($"{c.Numerator} faster than the C floor ({c.Harness} harness, {c.Metric}): a measurement problem", "none under the floor",
                c.Estimate, false, Interval(c)));
        }

        if (guest is not null)
        {
            // The paired ratio (each repetition's two neighbouring boots) cancels drift in machine load.
            foreach (var test in guest.Summaries.Where(s => s.Config == "qsd"))
            {
                var paired = guest.PairedRatios.FirstOrDefault(p => p.Config == "hilbridge" && p.Test == test.Test);
                checks.Add(TargetLimits.AtLeast($"guest {test.Test} IOPS, HilBridge / qemu-storage-daemon (median of per-repetition ratios)",
                    TargetLimits.DataPathVersusQsd, paired?.Median, paired is null ? "" : string.Join(", ", paired.Ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))));
            }
        }

        if (replay?.Sizes is { Count: > 0 })
        {
            checks.Add(TargetLimits.AtLeast("replay, million engine inputs per second (median, largest trace)", TargetLimits.ReplayMillionInputsPerSecond,
                replay.MedianMillionInputsPerSecond));
            checks.Add(TargetLimits.AtMost("replay peak RSS, largest / smallest trace (fresh process each)", TargetLimits.ReplayRssGrowth, replay.PeakRssGrowth));
        }

        return checks;
    }

    private static string Interval(IotlbComparison? c) => c is { Low: { } lo, High: { } hi }
        ? string.Create(CultureInfo.InvariantCulture, $"95% CI {lo:0.00}-{hi:0.00}, {c.Verdict}")
        : "";

    public static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
}
