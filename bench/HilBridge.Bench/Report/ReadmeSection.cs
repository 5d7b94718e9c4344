using System.Globalization;
using System.Text;

namespace HilBridge.Bench.Report;

/// <summary>
/// The benchmark summary quoted in the repository's README, between two markers, generated from
/// bench/results/latest.json (bench/render.sh) so that the README cannot drift from the table.
/// </summary>
public static class ReadmeSection
{
    public const string Begin = "<!-- bench-results:begin (generated from bench/results/latest.json by bench/render.sh; do not edit by hand) -->";
    public const string End = "<!-- bench-results:end -->";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(BenchReport r)
    {
        var md = new StringBuilder();
        md.AppendLine(Begin);
        var p = r.Publication;
        md.AppendLine($"Latest figures (bench/results/latest.md, {r.MachineAtStart.TakenAt:yyyy-MM-dd}, {r.MachineAtStart.LogicalCpus}-CPU {r.MachineAtStart.Cpu}, " +
            $"1-min load {r.MachineAtStart.LoadAverage.FirstOrDefault().ToString("0.00", Inv)} at start" +
            (p is null ? ", taken before the load gate existed" : p.Clean ? "" : $"; **{(p.Publishable ? "published against the load gate" : "not publishable")}: {string.Join("; ", p.Problems)}**") + "):");
        md.AppendLine();
        md.AppendLine("| | HilBridge | DPDK 22.11 vhost | C socket floor | C floor, batched reads | HilBridge / floor | HilBridge / batched floor | HilBridge / DPDK | target |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        var cells = r.Iotlb?.Cells.Where(c => c.Harness == "c").ToDictionary(c => c.Peer) ?? [];
        foreach (var (metric, label, target) in new[]
        {
            (IotlbComparison.Burst, $"per-message cost, pipelined bursts of {r.Iotlb?.Settings.Burst ?? 32}", "<= 1.3x floor"),
            (IotlbComparison.Invalidate, "INVALIDATE round trip (median of round medians)", "<= 1.5x DPDK"),
        })
        {
            string Us(string peer) => cells.TryGetValue(peer, out var c) && IotlbComparison.Median(c, metric) is { } ns ? (ns / 1000).ToString("0.00", Inv) + " us" : "n/a";
            md.AppendLine($"| {label} | {Us("hilbridge")} | {Us("dpdk")} | {Us("floor")} | {Us("floor-batch")} | {Ratio(r, metric, "floor")} | {Ratio(r, metric, "floor-batch")} | {Ratio(r, metric, "dpdk")} | {target} |");
        }

        var alloc = r.Targets.FirstOrDefault(t => t.Target.StartsWith("bridge bytes allocated", StringComparison.Ordinal));
        md.AppendLine($"| bytes allocated per IOTLB message | {(alloc?.Value is { } b ? b.ToString("0.#", Inv) : "n/a")} | | | | | | | 0 |");
        md.AppendLine();
        foreach (var t in r.Targets.Where(t => !t.Target.StartsWith("bridge bytes", StringComparison.Ordinal)))
        {
            var met = t.Met switch { true => "met", false => "**missed**", null => "n/a" };
            md.AppendLine($"- {t.Target}: {(t.Value is { } v ? v.ToString("0.###", Inv) : "n/a")} (target {t.Limit}; {met}){(t.Note.Length > 0 ? " (" + t.Note + ")" : "")}");
        }

        md.AppendLine(End);
        return md.ToString();
    }

    /// <summary>Replaces the section between the markers in <paramref name="readme"/>; throws if the markers are missing.</summary>
    public static string Replace(string readme, BenchReport r)
    {
        var begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new BenchException("the README has no bench-results markers");
        }

        return readme[..begin] + Render(r).TrimEnd('\n') + readme[(end + End.Length)..];
    }

    /// <summary>The section currently in <paramref name="readme"/> (markers included), or null.</summary>
    public static string? Extract(string readme)
    {
        var begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        return begin < 0 || end < begin ? null : readme[begin..(end + End.Length)] + "\n";
    }

    private static string Ratio(BenchReport r, string metric, string denominator) =>
        r.Comparisons?.FirstOrDefault(c => c.Harness == "c" && c.Metric == metric && c.Numerator == "hilbridge" && c.Denominator == denominator) is { Estimate: { } e } c
            ? $"{e.ToString("0.00", Inv)}x [{c.Low?.ToString("0.00", Inv)}-{c.High?.ToString("0.00", Inv)}] {c.Verdict}"
            : "n/a";
}
