using System.Globalization;
using System.Text;
using HilBridge.Bench.Guest;

namespace HilBridge.Bench.Report;

/// <summary>
/// The guest table's iommu_platform=on part: HilBridge against QEMU's own in-process virtio-blk-pci
/// behind the same vSMMUv3 (paired boots), and where each one's time goes per guest I/O.
/// </summary>
internal static class GuestIommuSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Render(StringBuilder md, GuestResults g)
    {
        var tests = g.Summaries.Where(x => x.Config is GuestBenchmark.HilBridgeIommu or GuestBenchmark.BuiltInIommu).Select(x => x.Test).Distinct().ToList();
        if (tests.Count == 0)
        {
            return;
        }

        var pairs = g.Boots.Where(b => b.Config == GuestBenchmark.BuiltInIommu).Select(b => b.Repetition).Distinct().Count();
        md.AppendLine(pairs == 0
            ? "With iommu_platform=on behind the vSMMUv3 and the guest's iommu.strict=1 (every unmap an invalidation): HilBridge alone (this run is from " +
              "before QEMU's own virtio-blk-pci was measured with the IOMMU on as its peer)."
            : $"With iommu_platform=on behind the vSMMUv3 and the guest's iommu.strict=1 (every unmap an invalidation), {pairs} pairs of boots: " +
              "HilBridge and QEMU's own in-process virtio-blk-pci (the same device properties, disk image and page cache) take turns, the order flipping " +
              "every pair; \"paired\" as above.");
        md.AppendLine();
        md.AppendLine("| Test | HilBridge, iommu on | QEMU virtio-blk-pci, iommu on | HilBridge / built-in (paired, 95% CI) |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var test in tests)
        {
            var hb = MarkdownWriter.Summary(g, GuestBenchmark.HilBridgeIommu, test);
            var builtIn = MarkdownWriter.Summary(g, GuestBenchmark.BuiltInIommu, test);
            md.AppendLine($"| {test} ({(hb ?? builtIn)!.BlockSize / 1024} KiB) | {MarkdownWriter.Cell(hb)} | {MarkdownWriter.Cell(builtIn)} | " +
                $"{MarkdownWriter.PairedCell(g, GuestBenchmark.HilBridgeIommu, GuestBenchmark.BuiltInIommu, test)} |");
        }

        md.AppendLine();
        var breakdown = IommuBreakdown.Compute(g);
        if (breakdown.Count == 0)
        {
            return;
        }

        md.AppendLine("Where the time goes, per guest I/O (medians over boots; from QEMU's trace of `" + string.Join("`, `", IommuTrace.Events) +
            "`, on in both configurations). \"vCPU per inval.\" is the time QEMU spends consuming a command batch that holds an invalidation (it runs " +
            "in the vCPU's MMIO write, and for the vhost-user device includes the IOTLB INVALIDATE round trip to the back-end) divided by the " +
            "invalidations in it; \"share\" is that time over the test's duration (queue depth 1, so it adds to every I/O). SMMU misses are walks of " +
            "the guest's page table by the vSMMU; vhost misses are the back-end's IOTLB misses that QEMU answered with an UPDATE, and \"QEMU per miss\" the time " +
            "its main loop spent on each (translate, send the UPDATE, wait for the back-end's ack), \"gap\" the median time from one served miss to the next " +
            "within a request (QEMU waiting for the back-end's next MISS: the back-end's own wake-up; it asks for a request's pages at once).");
        md.AppendLine();
        md.AppendLine("| Test | configuration | invalidations | CMD_SYNC | vCPU per inval. µs | vCPU in invalidation µs | share | SMMU misses | vhost misses | QEMU per miss µs | gap µs | QEMU in misses µs |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var b in breakdown.OrderBy(b => tests.IndexOf(b.Test)).ThenBy(b => b.Config == GuestBenchmark.HilBridgeIommu ? 0 : 1))
        {
            md.AppendLine($"| {b.Test} | {(b.Config == GuestBenchmark.HilBridgeIommu ? "HilBridge" : "QEMU virtio-blk-pci")} | {F(b.InvalidationsPerIo)} | {F(b.SyncsPerIo)} | " +
                $"{F(b.MedianWaitPerInvalidationUs)} | {b.WaitPerIoUs.ToString("0", Inv)} | {(b.WaitShareOfTest * 100).ToString("0", Inv)}% | {F(b.SmmuMissesPerIo)} | {F(b.VhostMissesPerIo)} | " +
                $"{(b.VhostMissesPerIo > 0 ? F(b.MedianVhostMissUs) : "-")} | {(b.VhostMissesPerIo > 0 ? F(b.MedianMissGapUs) : "-")} | " +
                $"{(b.VhostMissesPerIo > 0 ? b.VhostMissPerIoUs.ToString("0", Inv) : "-")} |");
        }

        md.AppendLine();
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0", Inv);
}
