using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Report;

/// <summary>
/// One peer's time over another's for one figure (burst = per-message cost in pipelined bursts;
/// invalidate = one INVALIDATE round trip), from the medians of their per-round medians, with a
/// bootstrap interval. <see cref="Verdict"/> says "equal" when the interval holds 1.0 (the run cannot
/// tell them apart), else "faster" or "slower" (for the numerator). <see cref="BelowFloor"/> flags a
/// peer measured faster than the lowest C floor of the run with confidence ("floor-batch" when it ran:
/// batched reads, one send per reply; a bridge that batches its reads may beat the plain "floor"):
/// the floor does the least a back-end can do, so that is a measurement problem, not a result.
/// </summary>
public sealed record IotlbComparison(
    string Harness, string Metric, string Numerator, string Denominator, double? Estimate, double? Low, double? High, string Verdict, bool BelowFloor)
{
    public const string Burst = "burst";
    public const string Invalidate = "invalidate";

    public static IReadOnlyList<IotlbComparison> Compute(IotlbResults iotlb)
    {
        // Every peer against the floor, every bridge against DPDK, other builds of the bridge against this one.
        var names = iotlb.Cells.Select(c => c.Peer).Distinct().ToList();
        var bridges = names.Where(n => n.StartsWith("hilbridge", StringComparison.Ordinal)).OrderBy(n => n == "hilbridge" ? 0 : 1).ToList();
        var floors = names.Where(n => n.StartsWith("floor", StringComparison.Ordinal)).Order().ToList();
        var pairs = bridges.SelectMany(b => floors.Select(f => (b, f))).Concat(bridges.Select(b => (b, "dpdk"))).Concat(floors.Select(f => ("dpdk", f)))
            .Concat(bridges.Where(b => b != "hilbridge").Select(b => (b, "hilbridge"))).ToList();
        if (floors.Count == 2)
        {
            pairs.Add(("floor-batch", "floor"));
        }

        // The lowest floor run: a peer faster than it with confidence is a measurement problem.
        var lowest = floors.Contains("floor-batch") ? "floor-batch" : "floor";
        var list = new List<IotlbComparison>();
        foreach (var harness in iotlb.Settings.Harnesses)
        {
            foreach (var metric in new[] { Burst, Invalidate })
            {
                foreach (var (a, b) in pairs)
                {
                    var x = iotlb.Cells.FirstOrDefault(c => c.Harness == harness && c.Peer == a);
                    var y = iotlb.Cells.FirstOrDefault(c => c.Harness == harness && c.Peer == b);
                    if (x is null || y is null)
                    {
                        continue;
                    }

                    list.Add(Of(harness, metric, a, b, Rounds(x, metric), Rounds(y, metric), flagBelow: b == lowest && a != "floor"));
                }
            }
        }

        return list;
    }

    public static IotlbComparison Of(string harness, string metric, string numerator, string denominator, IReadOnlyList<double> a, IReadOnlyList<double> b,
        bool flagBelow = false)
    {
        var r = Bootstrap.Ratio(a, b);
        var verdict = r is null ? "n/a" : r.IncludesOne ? "equal" : r.High < 1.0 ? "faster" : "slower";
        return new IotlbComparison(harness, metric, numerator, denominator, r?.Estimate, r?.Low, r?.High, verdict,
            BelowFloor: flagBelow && r is { High: < 1.0 });
    }

    /// <summary>A peer's per-round medians of a figure (ns); results written before they were kept fall back to none.</summary>
    public static IReadOnlyList<double> Rounds(IotlbCell cell, string metric) =>
        (metric == Burst ? cell.RoundBurstP50 ?? [] : cell.RoundInvalidateP50).Select(v => (double)v).ToList();

    /// <summary>The median of a peer's per-round medians (ns), or null when it has none.</summary>
    public static double? Median(IotlbCell cell, string metric) => Rounds(cell, metric) is { Count: > 0 } r ? SampleStats.Median(r) : null;
}
