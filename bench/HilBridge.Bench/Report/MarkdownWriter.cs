using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using HilBridge.Bench.Guest;
using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Report;

/// <summary>Renders a <see cref="BenchReport"/> as the Markdown table committed as bench/results/latest.md.</summary>
public static class MarkdownWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(BenchReport r)
    {
        var md = new StringBuilder();
        md.AppendLine("# HilBridge benchmark results");
        md.AppendLine();
        md.AppendLine($"Produced by `bench/run.sh` on {r.MachineAtStart.TakenAt:yyyy-MM-dd HH:mm} UTC. One machine's figures: compare the peers within this table, not across machines. " +
            "Rendered from the JSON next to it by `hilbridge-bench render` (bench/render.sh): edit the code, not this file.");
        md.AppendLine();
        PublicationBanner(md, r.Publication);
        Machine(md, r);
        Targets(md, r.Targets);
        if (r.Iotlb is { } iotlb)
        {
            Iotlb(md, iotlb, r.Comparisons ?? []);
        }
        else
        {
            md.AppendLine("## 1. IOTLB invalidation round trip\n\nnot run\n");
        }

        if (r.Guest is { } guest)
        {
            Guest(md, guest);
        }
        else
        {
            md.AppendLine("## 2. Guest data path\n\nnot run\n");
        }

        Replay(md, r.Replay);
        return md.ToString();
    }

    private static void PublicationBanner(StringBuilder md, Publication? p)
    {
        if (p is null)
        {
            md.AppendLine("Publication: not recorded (a run from before the load gate).");
        }
        else if (p.Clean)
        {
            md.AppendLine($"Publication: publishable (full run, every step ran, 1-min load average {p.LoadAtStart.ToString("0.00", Inv)} at start, gate {p.LoadThreshold.ToString("0.00", Inv)}).");
        }
        else
        {
            md.AppendLine($"**{(p.Publishable ? "Published against the load gate" : "Not publishable")}**: {string.Join("; ", p.Problems)}.");
        }

        md.AppendLine();
    }

    private static void Machine(StringBuilder md, BenchReport r)
    {
        var m = r.MachineAtStart;
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| CPU | {m.Cpu} ({m.LogicalCpus} logical CPUs) |");
        md.AppendLine($"| Memory | {m.MemoryGiB.ToString("0.0", Inv)} GiB |");
        md.AppendLine($"| OS, kernel | {m.Os}, {m.Kernel} |");
        md.AppendLine($"| .NET | {m.DotNet} |");
        md.AppendLine($"| DPDK (dpdk-dev) | {m.Dpdk} |");
        md.AppendLine($"| QEMU | {m.Qemu} |");
        md.AppendLine($"| qemu-storage-daemon | {m.QemuStorageDaemon} |");
        md.AppendLine($"| C compiler | {m.Gcc} |");
        md.AppendLine($"| Load average (1/5/15 min) at start | {Load(m.LoadAverage)} |");
        md.AppendLine($"| Load average (1/5/15 min) at end | {(r.MachineAtEnd is { } e ? Load(e.LoadAverage) + $" ({e.TakenAt:HH:mm} UTC)" : "n/a")} |");
        if (r.Iotlb?.Blocks is { Count: > 0 } blocks)
        {
            md.AppendLine($"| CPU used by other programs during the IOTLB blocks (median / max) | {SampleStats.Median(blocks.Select(b => b.ForeignCpus)).ToString("0.00", Inv)} / " +
                $"{blocks.Max(b => b.ForeignCpus).ToString("0.00", Inv)} CPUs (hypervisor steal {SampleStats.Median(blocks.Select(b => b.StealCpus)).ToString("0.00", Inv)}) |");
        }

        if (r.Iotlb?.Settings is { PeerCpus: { } peerCpus } st)
        {
            md.AppendLine($"| CPU pinning | harnesses on CPU {st.HarnessCpus}, peers on CPU {peerCpus} |");
        }
        md.AppendLine();
    }

    private static void Targets(StringBuilder md, IReadOnlyList<TargetCheck> targets)
    {
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| Target | Limit | Measured | Met |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var t in targets)
        {
            var value = t.Value is { } v ? v.ToString("0.###", Inv) : "n/a";
            var met = t.Met switch { true => "yes", false => "**no**", null => "n/a" };
            md.AppendLine($"| {t.Target} | {t.Limit} | {value}{(t.Note.Length > 0 ? " (" + t.Note + ")" : "")} | {met} |");
        }
        md.AppendLine();
    }

    private static void Iotlb(StringBuilder md, IotlbResults iotlb, IReadOnlyList<IotlbComparison> comparisons)
    {
        var s = iotlb.Settings;
        md.AppendLine("## 1. IOTLB invalidation round trip");
        md.AppendLine();
        md.AppendLine("What QEMU's vCPU waits for on every guest unmap: IOTLB_MSG INVALIDATE with NEED_REPLY until the u64 ack. " +
            "A front-end harness plays QEMU (full handshake, shared memfd memory table, running idle virtqueues), then times " +
            $"UPDATE and INVALIDATE of one 4 KiB page, one at a time ({s.Iterations} pairs per run after {s.Warmup} warm-up pairs), " +
            $"and bursts of {s.Burst} pipelined INVALIDATEs ({s.Bursts} bursts per run; figure = burst time / {s.Burst}). " +
            $"{s.WarmupRounds} unrecorded warm-up round(s), then {s.Rounds} rounds; a block is one harness against one peer, and within each round the blocks run " +
            "in the order of a Williams design (every block in every position, and after every other block, equally often). " +
            "A peer's figure is the median of its per-round medians; a ratio's 95% interval comes from resampling the rounds (paired); " +
            "\"equal\" when it holds 1.0. The per-message cost in bursts is the headline: a single round trip (~40 µs here) is mostly the " +
            "wake-up of the sleeping thread on this VM, which squeezes every ratio toward 1. " +
            "Times in µs; \"misses\" counts IOTLB misses the back-end sent (0: the measured path never waited for a translation).");
        md.AppendLine();
        Headline(md, iotlb, comparisons);
        foreach (var harness in s.Harnesses)
        {
            var cells = iotlb.Cells.Where(c => c.Harness == harness).OrderBy(c => PeerOrder(c.Peer)).ToList();
            if (cells.Count == 0)
            {
                continue;
            }

            md.AppendLine(harness == "c" ? "### All samples pooled, C harness (bench/iotlb/vhost_frontend.c)" : "### All samples pooled, C# harness (VhostUserFrontend)");
            md.AppendLine();
            md.AppendLine("| Back-end | INVALIDATE p50 | p90 | p99 | p99.9 | round p50 range | UPDATE p50 | UPDATE p99 | burst p50 | burst p99 | misses |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var c in cells)
            {
                md.AppendLine($"| {PeerName(c.Peer)} | {Us(c.Invalidate.P50)} | {Us(c.Invalidate.P90)} | {Us(c.Invalidate.P99)} | {Us(c.Invalidate.P999)} | " +
                    $"{Us(c.RoundInvalidateP50.DefaultIfEmpty().Min())}-{Us(c.RoundInvalidateP50.DefaultIfEmpty().Max())} | " +
                    $"{Us(c.Update.P50)} | {Us(c.Update.P99)} | {Us(c.BurstInvalidate.P50)} | {Us(c.BurstInvalidate.P99)} | {c.BackendMisses} |");
            }
            md.AppendLine();
            var hb = cells.FirstOrDefault(c => c.Peer == "hilbridge");
            var dpdk = cells.FirstOrDefault(c => c.Peer == "dpdk");
            var floor = cells.FirstOrDefault(c => c.Peer == "floor");
            if (hb is not null)
            {
                md.AppendLine("| Ratio of pooled percentiles | p50 | p99 | burst p50 |");
                md.AppendLine("| --- | --- | --- | --- |");
                if (dpdk is not null)
                {
                    md.AppendLine($"| HilBridge / DPDK | {X(hb.Invalidate.P50, dpdk.Invalidate.P50)} | {X(hb.Invalidate.P99, dpdk.Invalidate.P99)} | {X(hb.BurstInvalidate.P50, dpdk.BurstInvalidate.P50)} |");
                }

                if (floor is not null)
                {
                    md.AppendLine($"| HilBridge / floor | {X(hb.Invalidate.P50, floor.Invalidate.P50)} | {X(hb.Invalidate.P99, floor.Invalidate.P99)} | {X(hb.BurstInvalidate.P50, floor.BurstInvalidate.P50)} |");
                }

                if (dpdk is not null && floor is not null)
                {
                    md.AppendLine($"| DPDK / floor | {X(dpdk.Invalidate.P50, floor.Invalidate.P50)} | {X(dpdk.Invalidate.P99, floor.Invalidate.P99)} | {X(dpdk.BurstInvalidate.P50, floor.BurstInvalidate.P50)} |");
                }

                md.AppendLine();
                if (hb.Allocation is { } a)
                {
                    md.AppendLine($"Bridge process over the measured windows: {a.Bytes:N0} bytes allocated for {a.IotlbMessages:N0} IOTLB messages " +
                        $"= **{a.BytesPerMessage.ToString("0.#", Inv)} bytes per message**; GCs: {a.Gen0} gen0, {a.Gen1} gen1, {a.Gen2} gen2; pause {a.PauseMicroseconds} µs.");
                    md.AppendLine();
                }
            }
        }
        foreach (var d in iotlb.Cells.Where(c => c.Harness == s.Harnesses[0]).OrderBy(c => PeerOrder(c.Peer)))
        {
            md.AppendLine($"- {PeerName(d.Peer)}: {d.PeerDescription}");
        }

        md.AppendLine();
    }

    /// <summary>Per harness: each peer's medians of per-round medians, then every ratio with its interval and verdict.</summary>
    private static void Headline(StringBuilder md, IotlbResults iotlb, IReadOnlyList<IotlbComparison> comparisons)
    {
        foreach (var harness in iotlb.Settings.Harnesses)
        {
            var cells = iotlb.Cells.Where(c => c.Harness == harness).OrderBy(c => PeerOrder(c.Peer)).ToList();
            if (cells.Count == 0)
            {
                continue;
            }

            md.AppendLine($"### {(harness == "c" ? "C harness" : "C# harness")}: medians of per-round medians");
            md.AppendLine();
            md.AppendLine("| Back-end | per message, bursts of " + iotlb.Settings.Burst + " | INVALIDATE round trip | UPDATE round trip | rounds |");
            md.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var c in cells)
            {
                string M(IReadOnlyList<long>? v) => v is { Count: > 0 } ? (SampleStats.Median(v.Select(x => (double)x)) / 1000).ToString("0.00", Inv) : "n/a";
                md.AppendLine($"| {PeerName(c.Peer)} | **{M(c.RoundBurstP50)}** | {M(c.RoundInvalidateP50)} | {M(c.RoundUpdateP50)} | {c.RoundInvalidateP50.Count} |");
            }

            md.AppendLine();
            var mine = comparisons.Where(c => c.Harness == harness).ToList();
            if (mine.Count > 0)
            {
                md.AppendLine("| Ratio | figure | estimate | 95% interval | verdict |");
                md.AppendLine("| --- | --- | --- | --- | --- |");
                foreach (var c in mine)
                {
                    var verdict = c.BelowFloor ? $"**{c.Verdict}: under the floor, a measurement problem**" : c.Verdict;
                    md.AppendLine($"| {PeerName(c.Numerator)} / {PeerName(c.Denominator)} | {(c.Metric == IotlbComparison.Burst ? "per message, bursts" : "INVALIDATE round trip")} | " +
                        $"{Fixed(c.Estimate)}x | {Fixed(c.Low)}-{Fixed(c.High)} | {verdict} |");
                }

                md.AppendLine();
            }
        }
    }

    private static string Fixed(double? v) => v is { } x ? x.ToString("0.00", Inv) : "n/a";

    private static void Guest(StringBuilder md, GuestResults g)
    {
        var s = g.Settings;
        md.AppendLine("## 2. Guest data path");
        md.AppendLine();
        md.AppendLine($"aarch64 guest under TCG (QEMU command line of the product, 2 vCPUs, 1 GiB), `/bin/hbbench` in hb.mode=bench: synchronous O_DIRECT at queue depth 1 " +
            $"on /dev/vda, sequential {s.SequentialBlockSize / 1024} KiB and random 4 KiB requests within {s.SpanMiB} MiB of a fresh {s.DiskMiB} MiB sparse image, " +
            $"{s.SecondsPerTest} s per test, every block read checked. {s.Repetitions} boots per iommu_platform=off configuration; the two back-ends take turns " +
            "(the order flips every repetition). Medians over boots (min-max IOPS in brackets); \"paired\" is the median over repetitions of " +
            "the IOPS ratio of the two boots that ran next to each other (drift in machine load cancels out; the target uses it), with its 95% bootstrap interval.");
        md.AppendLine();
        md.AppendLine("| Test | qemu-storage-daemon | HilBridge | HilBridge / qsd (medians) | HilBridge / qsd (paired) |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var test in g.Summaries.Select(x => x.Test).Distinct())
        {
            var qsd = Summary(g, GuestBenchmark.Qsd, test);
            var hb = Summary(g, GuestBenchmark.HilBridge, test);
            if (qsd is null && hb is null)
            {
                continue;
            }

            md.AppendLine($"| {test} ({(qsd ?? hb)!.BlockSize / 1024} KiB) | {Cell(qsd)} | {Cell(hb)} | {X(hb?.MedianIops, qsd?.MedianIops)} | {PairedCell(g, GuestBenchmark.HilBridge, GuestBenchmark.Qsd, test)} |");
        }
        md.AppendLine();
        GuestIommuSection.Render(md, g);
        md.AppendLine("Per-request guest latency (median of the boots' p50 / p99, µs):");
        md.AppendLine();
        md.AppendLine("| Test | qemu-storage-daemon | HilBridge | HilBridge, iommu on | QEMU virtio-blk-pci, iommu on |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var test in g.Summaries.Select(x => x.Test).Distinct())
        {
            string L(string config) => Summary(g, config, test) is { } v
                ? $"{v.MedianLatencyP50Us.ToString("0", Inv)} / {v.MedianLatencyP99Us.ToString("0", Inv)}" : "n/a";
            md.AppendLine($"| {test} | {L(GuestBenchmark.Qsd)} | {L(GuestBenchmark.HilBridge)} | {L(GuestBenchmark.HilBridgeIommu)} | {L(GuestBenchmark.BuiltInIommu)} |");
        }
        md.AppendLine();
        BridgeCounters(md, g);
        var failed = g.Boots.Where(b => !b.Verified).ToList();
        md.AppendLine(failed.Count == 0
            ? $"All {g.Boots.Count} boots verified their data."
            : $"**{failed.Count} of {g.Boots.Count} boots failed** (left out of the medians): " + string.Join("; ", failed.Select(b => $"{b.Config} r{b.Repetition}: {b.Failure}")));
        md.AppendLine();
        foreach (var d in g.ConfigDescriptions)
        {
            md.AppendLine("- " + d);
        }

        md.AppendLine();
    }

    /// <summary>What the bridge itself counted during the iommu_platform=on boots (medians over boots).</summary>
    private static void BridgeCounters(StringBuilder md, GuestResults g)
    {
        var stats = g.Boots.Where(b => b.Config == GuestBenchmark.HilBridgeIommu && b.Verified && b.BackendStatistics is not null)
            .Select(b => JsonNode.Parse(b.BackendStatistics!)!.AsObject()).ToList();
        if (stats.Count == 0)
        {
            return;
        }
        // The result shape (ResultJson: camelCase, durations as *Us numbers) since issue 17; results saved before are
        // PascalCase with TimeSpan strings, and before that flat (engine counters not under "Engine").
        static string Camel(string key) => char.ToLowerInvariant(key[0]) + key[1..];
        double Med(string key) => SampleStats.Median(stats.Select(o =>
            (o["engine"]?[Camel(key)] ?? o[Camel(key)] ?? o["Engine"]?[key] ?? o[key])?.GetValue<double>() ?? double.NaN));
        double MedTime(string key) => SampleStats.Median(stats.Select(o =>
            o[Camel(key) + "Us"] is { } us ? us.GetValue<double>()
            : TimeSpan.TryParse(o[key]?.GetValue<string>(), Inv, out var t) ? t.TotalMicroseconds : double.NaN));
        md.AppendLine($"Bridge counters per iommu_platform=on boot (medians): {Med("Requests"):0} requests, {Med("Invalidations"):0} IOTLB invalidations " +
            $"({Med("InvalidationsAcked"):0} acked), {Med("AtcMisses"):0} ATC misses, {Med("AtcUpdates"):0} updates; receipt-to-reply time of an invalidation " +
            $"inside the bridge p50 {MedTime("AckLatencyP50"):0.0} µs, p99 {MedTime("AckLatencyP99"):0.0} µs.");
        md.AppendLine();
    }

    private static void Replay(StringBuilder md, ReplayResults? replay)
    {
        md.AppendLine("## 3. Replay throughput and peak memory");
        md.AppendLine();
        if (replay?.Sizes is { Count: > 0 } sizes)
        {
            md.AppendLine("Exact replay (`TraceReplayer`, engine + compare) of a synthetic trace (mixed faults), each size in a fresh process: " +
                "engine inputs per second (effects are not counted), median over rounds, and the process's peak RSS (VmHWM).");
            md.AppendLine();
            md.AppendLine("| Trace | records | M inputs/s (median) | rounds (M inputs/s) | peak RSS MB | allocated B/input |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var z in sizes.OrderBy(z => z.Inputs))
            {
                md.AppendLine($"| {z.Inputs:N0} inputs, {(z.TraceBytes / 1e6).ToString("0", Inv)} MB | {z.Records:N0} | **{(z.MedianInputsPerSecond / 1e6).ToString("0.00", Inv)}** | " +
                    $"{string.Join(", ", z.RoundInputsPerSecond.Select(v => (v / 1e6).ToString("0.00", Inv)))} | {(z.PeakRssBytes / 1e6).ToString("0", Inv)} | {z.AllocatedBytesPerInput.ToString("0.0", Inv)} |");
            }

            md.AppendLine();
            if (replay.Passes is { Count: > 0 } passes)
            {
                md.AppendLine("Reference passes over the largest trace (records per second, median over rounds):");
                md.AppendLine();
                md.AppendLine("| Pass | M records/s (median) | rounds |");
                md.AppendLine("| --- | --- | --- |");
                foreach (var p in passes)
                {
                    md.AppendLine($"| {p.Name} | {(p.MedianRecordsPerSecond / 1e6).ToString("0.00", Inv)} | {string.Join(", ", p.RoundRecordsPerSecond.Select(v => (v / 1e6).ToString("0.00", Inv)))} |");
                }

                md.AppendLine();
            }

            md.AppendLine("From `bench/replay` (its README explains the passes).");
            md.AppendLine();
            return;
        }

        if (replay?.Rows is { Count: > 0 } rows)
        {
            // Results from before replay.json: bench/replay's own "best of N" table, as it printed it.
            md.AppendLine("| Pass | M events/s (best) | peak RSS MB (worst) | allocated B/event |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var r in rows)
            {
                md.AppendLine($"| {r.Name} | {r.MillionEventsPerSecond.ToString("0.00", Inv)} | {r.PeakRssMegabytes.ToString("0", Inv)} | {r.AllocatedBytesPerEvent.ToString("0.0", Inv)} |");
            }

            md.AppendLine();
            foreach (var note in replay.Notes ?? [])
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
            md.AppendLine("Older format: events (inputs and effects) per second, best of N, RSS measured in one process.");
            md.AppendLine();
            return;
        }

        md.AppendLine("not run");
        md.AppendLine();
    }

    internal static GuestSummary? Summary(GuestResults g, string config, string test) => g.Summaries.FirstOrDefault(x => x.Config == config && x.Test == test);

    /// <summary>A paired ratio with its interval (results from before the interval: the median alone).</summary>
    internal static string PairedCell(GuestResults g, string config, string baseline, string test)
    {
        var p = g.PairedRatios.FirstOrDefault(p => p.Config == config && p.Test == test && p.Baseline == baseline);
        if (p is null)
        {
            return "n/a";
        }

        var median = p.Median.ToString("0.00", Inv) + "x";
        return p is { Low: { } lo, High: { } hi }
            ? $"{median} [{lo.ToString("0.00", Inv)}-{hi.ToString("0.00", Inv)}]{(lo <= 1 && hi >= 1 ? ", equal" : "")}"
            : median;
    }

    internal static string Cell(GuestSummary? s) => s is null ? "n/a"
        : $"{s.MedianMegabytesPerSecond.ToString("0.0", Inv)} MB/s, {s.MedianIops.ToString("0", Inv)} IOPS [{s.MinIops.ToString("0", Inv)}-{s.MaxIops.ToString("0", Inv)}]";

    private static string Us(long ns) => (ns / 1000.0).ToString("0.0", Inv);

    private static string X(double? a, double? b) => BenchReport.Ratio(a, b) is { } r ? r.ToString("0.00", Inv) + "x" : "n/a";

    private static string Load(double[] l) => string.Join(" / ", l.Select(v => v.ToString("0.00", Inv)));

    private static int PeerOrder(string peer) => peer switch { "floor" => 0, "floor-batch" => 1, "dpdk" => 2, "hilbridge" => 3, _ => 4 };

    private static string PeerName(string peer) => peer switch
    {
        "floor" => "socket floor",
        "floor-batch" => "socket floor, batched reads",
        "dpdk" => "DPDK",
        "hilbridge" => "HilBridge",
        _ => peer,
    };
}
