using System.Text;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>
/// What each `expect:` metric means, for the README's table (`hilbridge scenario metrics` prints it; a test
/// keeps the README equal). Engine counters describe themselves (<see cref="EngineCounterSnapshot.All"/>);
/// every other metric of <see cref="RunMetrics"/> needs a line here, or the test fails.
/// </summary>
public static class RunMetricDocs
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aborted"] = "1 if the run was aborted (QEMU died, the guest did not finish in time), else 0",
        ["dataVerified"] = "true if the guest verified every round's data (no verdict: the expectation fails)",
        ["atsInvalidations"] = "guest-visible ATS: CMD_ATC_INV the guest's SMMU forwarded over the ATS port",
        ["atsCompletions"] = "guest-visible ATS: completions the bridge sent back",
        ["atsFailedCompletions"] = "guest-visible ATS: completions sent with a failure status",
        ["atsWithheldCompletions"] = "guest-visible ATS: completions never sent (the SMMU's own timeout fires)",
        ["smmuAtcTimeouts"] = "guest-visible ATS: the IOMMU's hardware ATC invalidation timeouts (SMMUv3; VT-d: the Invalidation Time-out Error's)",
        ["smmuSyncErrors"] = "guest-visible ATS: CMD_SYNCs completed with CERROR_ATC_INV_SYNC (VT-d: wait descriptors an Invalidation Time-out Error aborted)",
        ["steFences"] = "guest-visible ATS: fences by the guest's STE (EATS cleared) seen on the ATS port",
        ["steUnfences"] = "guest-visible ATS: unfences by the guest's STE",
        ["steFenceAfterSmmuTimeoutMs"] = "guest-visible ATS: ms from the SMMU's timeout to the guest's STE fence",
        ["atsInvalidationsAfterUnfence"] = "guest-visible ATS: ATC_INV received since the guest's STE last unfenced the device (ATS working again after a reset)",
        ["failedFlushes"] = "guest-visible ATS: flushes the SMMU failed with CERROR_ATC_INV_SYNC",
        ["flushesCompletedFenced"] = "guest-visible ATS: failed flushes completed (first error-free CMD_SYNC after a later invalidation) after the device was fenced",
        ["flushesCompletedUnfenced"] = "guest-visible ATS: failed flushes completed while the device could still use its stale translations",
        ["fenceLeadMs"] = "guest-visible ATS: shortest ms from the fence to the completion of a failed flush it covered",
        ["stragglersStopped"] = "stragglers that never reached memory: refused by a fence, or cancelled by the reset of the recovery it forced",
        ["contextInvalidations"] = "the device's context rewritten: CFGI_STE (SMMUv3) or a context-cache invalidation for its source-id (VT-d)",
        ["deviceIotlbInvalidations"] = "device ATC invalidations in the guest's command stream: CMD_ATC_INV (SMMUv3) or device-IOTLB descriptors (VT-d)",
        ["waitCommands"] = "IOMMU completion waits: CMD_SYNC (SMMUv3) or wait descriptors (VT-d)",
        ["invalidationStalls"] = "VT-d: device-IOTLB invalidations whose vCPU stall was measured",
        ["invalidationStallP50Ms"] = "VT-d: median ms the vCPU stalled on a device-IOTLB invalidation",
        ["invalidationStallMaxMs"] = "VT-d: longest ms the vCPU stalled on a device-IOTLB invalidation",
        ["guestAtcTimeouts"] = "\"ATC invalidate timeout\" (arm-smmu-v3) or \"Invalidation Time-out Error (ITE) cleared\" (intel-iommu) messages on the guest kernel's console",
        ["guestSyncTimeouts"] = "\"CMD_SYNC timeout\" messages on the guest kernel's console",
        ["guestCorruptions"] = "runs of changed bytes the guest's witness found (needs workload.witness)",
        ["guestCorruptionsUnmatched"] = "guest findings no straggler explains (needs workload.witness)",
        ["stragglerBytesWritten"] = "bytes of poison stragglers wrote into guest memory",
        ["rounds"] = "workload rounds the guest ran",
        ["roundsVerified"] = "rounds whose data the guest verified",
        ["guestIoErrors"] = "I/O errors the guest saw",
        ["guestRecoveries"] = "recoveries the guest performed (PCI remove + rescan, or reset)",
        ["requests"] = "virtio-blk requests the device served",
        ["requestErrors"] = "virtio-blk requests completed with IOERR",
        ["stragglers"] = "stragglers issued (as stragglersIssued)",
        ["recoverySeconds"] = "seconds of the last recovery, fence to unfence",
        ["steInvalidations"] = "CFGI_STE commands in the guest's SMMU command stream",
    };

    public static string? Describe(string metric) =>
        EngineCounterSnapshot.All.FirstOrDefault(c => c.Name == metric)?.Description ?? Descriptions.GetValueOrDefault(metric);

    /// <summary>The README's metric table and operator line, exactly.</summary>
    public static string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine("| metric | meaning |");
        md.AppendLine("| --- | --- |");
        foreach (var name in RunMetrics.Names.Order(StringComparer.Ordinal))
        {
            md.AppendLine($"| `{name}` | {Describe(name) ?? "(undocumented: describe it in RunMetricDocs)"} |");
        }

        md.AppendLine();
        md.AppendLine($"A condition is an operator ({string.Join(", ", Expectation.OperatorNames.Select(o => $"`{o}`"))}; none means `==`) and a number, or `true`/`false` (1/0): `violations: \"== 0\"`, `fences: \">= 1\"`, `dataVerified: true`.");
        return md.ToString();
    }
}
