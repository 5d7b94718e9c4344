using System.Globalization;

namespace HilBridge.Bench.Guest;

/// <summary>
/// Where an iommu_platform=on boot's time goes, from QEMU's own trace (the same few events in both
/// IOMMU configurations, so both pay the same tracing cost): the guest's invalidation commands and how
/// long the vCPU spent in the SMMU's command queue for each batch (QEMU 7.2 consumes the queue inside
/// the vCPU's MMIO write, and for a vhost-user device that includes the INVALIDATE round trip to the
/// back-end), the SMMU's own IOTLB misses (a page-table walk each) and the vhost IOTLB misses QEMU
/// served, with the time it spent serving each. Lines look like <c>PID@SECONDS.MICROS:event args</c> (<c>-msg timestamp=on</c>).
/// </summary>
public static class IommuTrace
{
    /// <summary>The events QEMU is asked to trace (each a handful per guest I/O, none per translation hit).</summary>
    private const double MissGapLimitSeconds = 0.002;

    public static readonly IReadOnlyList<string> Events =
    [
        "smmuv3_cmdq_consume", "smmuv3_cmdq_opcode", "smmuv3_cmdq_consume_out", "smmu_iotlb_lookup_miss", "vhost_iotlb_miss",
    ];

    /// <summary>QEMU arguments that write <see cref="Events"/> with timestamps to <paramref name="path"/>.</summary>
    public static IEnumerable<string> QemuArguments(string path) =>
        new[] { "-msg", "timestamp=on", "-D", path }.Concat(Events.SelectMany(e => new[] { "-trace", e }));

    /// <summary>
    /// Counts per window: window i runs from <paramref name="windowEnds"/>[i-1] (or the start) to
    /// <paramref name="windowEnds"/>[i], in Unix seconds (the host's clock when each test's result line
    /// arrived; QEMU stamps its lines with the same clock). Events after the last end are dropped.
    /// </summary>
    public static List<IommuTraceWindow> Count(IEnumerable<string> lines, IReadOnlyList<double> windowEnds, double start)
    {
        var windows = windowEnds.Select(_ => new Accumulator()).ToArray();
        double? batchStart = null;
        var batchInvalidations = 0;
        var missStarts = new Dictionary<string, double>(); // by thread id: step 1 of the miss it is serving
        var missEnds = new Dictionary<string, double>();   // by thread id: step 2 of the last miss it served
        foreach (var line in lines)
        {
            if (!TryParse(line, out var thread, out var time, out var name, out var args))
            {
                continue;
            }

            var index = WindowOf(time, windowEnds, start);
            switch (name)
            {
                case "smmuv3_cmdq_consume":
                    batchStart ??= time;
                    break;
                case "smmuv3_cmdq_opcode" when args.Contains("SMMU_CMD_SYNC", StringComparison.Ordinal):
                    if (index >= 0)
                    {
                        windows[index].Syncs++;
                    }
                    break;
                case "smmuv3_cmdq_opcode" when args.Contains("SMMU_CMD_TLBI", StringComparison.Ordinal):
                    batchInvalidations++;
                    if (index >= 0)
                    {
                        windows[index].Invalidations++;
                    }
                    break;
                case "smmuv3_cmdq_consume_out":
                    if (index >= 0 && batchStart is { } b && batchInvalidations > 0)
                    {
                        windows[index].WaitsUs.Add((time - b) * 1e6 / batchInvalidations);
                        windows[index].WaitTotalUs += (time - b) * 1e6;
                    }
                    batchStart = null;
                    batchInvalidations = 0;
                    break;
                case "smmu_iotlb_lookup_miss" when index >= 0:
                    windows[index].SmmuMisses++;
                    break;
                // QEMU traces a served miss twice: step 1 on entry, step 2 once the back-end acknowledged the UPDATE.
                case "vhost_iotlb_miss" when args.EndsWith("step 1", StringComparison.Ordinal):
                    missStarts[thread] = time;
                    // Idle between two misses of one request (under 2 ms apart): how soon the back-end's next MISS was there.
                    if (missEnds.Remove(thread, out var ended) && time - ended < MissGapLimitSeconds && index >= 0)
                    {
                        windows[index].GapsUs.Add((time - ended) * 1e6);
                    }

                    if (index >= 0)
                    {
                        windows[index].VhostMisses++;
                    }
                    break;
                case "vhost_iotlb_miss" when args.EndsWith("step 2", StringComparison.Ordinal):
                    if (missStarts.Remove(thread, out var began) && index >= 0)
                    {
                        windows[index].MissesUs.Add((time - began) * 1e6);
                    }

                    missEnds[thread] = time;
                    break;
            }
        }

        return windows.Select(w => new IommuTraceWindow(w.Invalidations, w.Syncs, w.WaitsUs.Count, w.WaitsUs.Count > 0 ? SampleStats.Median(w.WaitsUs) : 0,
            w.WaitTotalUs, w.SmmuMisses, w.VhostMisses, w.MissesUs.Count > 0 ? SampleStats.Median(w.MissesUs) : 0, w.MissesUs.Sum(),
            w.GapsUs.Count > 0 ? SampleStats.Median(w.GapsUs) : 0)).ToList();
    }

    private static int WindowOf(double time, IReadOnlyList<double> ends, double start)
    {
        if (time < start)
        {
            return -1;
        }

        for (var i = 0; i < ends.Count; i++)
        {
            if (time <= ends[i])
            {
                return i;
            }
        }

        return -1;
    }

    internal static bool TryParse(string line, out string thread, out double time, out string name, out string args)
    {
        time = 0;
        thread = name = args = "";
        var at = line.IndexOf('@');
        var colon = at < 0 ? -1 : line.IndexOf(':', at);
        if (colon < 0 || !double.TryParse(line.AsSpan(at + 1, colon - at - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out time))
        {
            return false;
        }

        thread = line[..at];
        var rest = line.AsSpan(colon + 1);
        var space = rest.IndexOf(' ');
        name = (space < 0 ? rest : rest[..space]).ToString();
        args = space < 0 ? "" : rest[(space + 1)..].ToString();
        return true;
    }

    private sealed class Accumulator
    {
        public long Invalidations;
        public long Syncs;
        public long SmmuMisses;
        public long VhostMisses;
        public double WaitTotalUs;
        public readonly List<double> WaitsUs = [];
        public readonly List<double> MissesUs = [];
        public readonly List<double> GapsUs = [];
    }
}

/// <summary>
/// One test's IOMMU work in one boot: invalidation commands (TLBI_*), CMD_SYNCs, command batches that
/// held an invalidation with the median vCPU time per invalidation in them and the total, the SMMU's
/// IOTLB misses (page-table walks), and the vhost IOTLB misses QEMU served for the back-end with the median
/// and total time QEMU's thread spent on each (translate, send the UPDATE, wait for the back-end's ack), and
/// the median time from one served miss to the next within a request (QEMU waiting for the back-end's next MISS).
/// </summary>
public sealed record IommuTraceWindow(long Invalidations, long Syncs, long Batches, double MedianWaitPerInvalidationUs, double WaitTotalUs,
    long SmmuIotlbMisses, long VhostIotlbMisses, double MedianVhostMissUs = 0, double VhostMissTotalUs = 0, double MedianMissGapUs = 0);
