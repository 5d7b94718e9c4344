using System.Text.Json;
using HilBridge.Bench.Guest;
using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Report;

/// <summary>Everything one run of bench/run.sh measured, as written to results.json.</summary>
public sealed record BenchReport(
    MachineInfo MachineAtStart, MachineInfo? MachineAtEnd, IotlbResults? Iotlb, GuestResults? Guest, ReplayResults? Replay,
    IReadOnlyList<TargetCheck> Targets)
{
    public static BenchReport Load(string directory)
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

        var replayPath = Path.Combine(directory, "replay.txt");
        var replay = File.Exists(replayPath) ? ReplayResults.Parse(File.ReadAllText(replayPath)) : null;
        return new BenchReport(start, end, iotlb, guest, replay, Check(iotlb, guest, replay));
    }

    internal static List<TargetCheck> Check(IotlbResults? iotlb, GuestResults? guest, ReplayResults? replay = null)
    {
        var checks = new List<TargetCheck>();
        var hb = iotlb?.Cells.FirstOrDefault(c => c.Harness == "c" && c.Peer == "hilbridge");
        var dpdk = iotlb?.Cells.FirstOrDefault(c => c.Harness == "c" && c.Peer == "dpdk");
        checks.Add(TargetLimits.AtMost("invalidation p50, HilBridge / DPDK (C harness)", TargetLimits.P50VersusDpdk, Ratio(hb?.Invalidate.P50, dpdk?.Invalidate.P50)));
        checks.Add(TargetLimits.AtMost("invalidation p99, HilBridge / DPDK (C harness)", TargetLimits.P99VersusDpdk, Ratio(hb?.Invalidate.P99, dpdk?.Invalidate.P99)));
        var alloc = iotlb?.Cells.Where(c => c.Peer == "hilbridge" && c.Allocation is not null).Select(c => c.Allocation!).ToList();
        double? perMessage = alloc is { Count: > 0 } ? alloc.Sum(a => (double)a.Bytes) / alloc.Sum(a => (double)a.IotlbMessages) : null;
        checks.Add(TargetLimits.AtMost("bridge bytes allocated per IOTLB message (steady state)", TargetLimits.AllocatedBytesPerMessage, perMessage,
            alloc is { Count: > 0 } ? $"{alloc.Sum(a => a.Gen0)} gen0 / {alloc.Sum(a => a.Gen1)} gen1 / {alloc.Sum(a => a.Gen2)} gen2 collections in the windows" : ""));
        if (guest is not null)
        {
            // The paired ratio (each repetition's two neighbouring boots) cancels drift in machine load.
            foreach (var test in guest.Summaries.Where(s => s.Config == "qsd"))
            {
                var paired = guest.PairedRatios.FirstOrDefault(p => p.Config == "hilbridge" && p.Test == test.Test);
                checks.Add(TargetLimits.AtLeast($"guest {test.Test} IOPS, HilBridge / qemu-storage-daemon (median of per-repetition ratios)",
                    TargetLimits.DataPathVersusQsd, paired?.Median, paired is null ? "" : string.Join(", ", paired.Ratios.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))));
            }
        }
        if (replay?.ReplayMillionEventsPerSecond is { } eps)
        {
            checks.Add(TargetLimits.AtLeast("replay, million engine events per second (bench/replay)", 1.0, eps));
        }

        return checks;
    }

    public static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
}
