using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>The numbers of a run summary by name: what expectations can refer to. Booleans are 1/0.</summary>
public static class RunMetrics
{
    private static readonly Dictionary<string, Func<RunSummary, double?>> Metrics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aborted"] = s => s.Outcome == RunOutcome.Aborted ? 1 : 0,
        ["dataVerified"] = s => s.DataVerified is { } v ? (v ? 1 : 0) : null,
        // Guest-visible ATS (null without the ATS port, so an expectation on them fails on stock QEMU).
        ["atsInvalidations"] = s => s.AtsPort?.AtcInvalidations,
        ["atsCompletions"] = s => s.AtsPort?.CompletionsSent,
        ["atsFailedCompletions"] = s => s.AtsPort?.FailedCompletionsSent,
        ["atsWithheldCompletions"] = s => s.AtsPort?.CompletionsWithheld,
        ["smmuAtcTimeouts"] = s => s.AtsPort?.SmmuTimeouts,
        ["smmuSyncErrors"] = s => s.AtsPort?.SyncErrors,
        ["steFences"] = s => s.AtsPort?.SteFences,
        ["steUnfences"] = s => s.AtsPort?.SteUnfences,
        ["atsInvalidationsAfterUnfence"] = s => s.AtsPort?.AtcInvalidationsAfterSteUnfence,
        ["steFenceAfterSmmuTimeoutMs"] = s => s.AtsPort?.SteFenceAfterSmmuTimeout?.TotalMilliseconds,
        ["failedFlushes"] = s => s.AtsPort?.FailedFlushes,
        ["flushesCompletedFenced"] = s => s.AtsPort?.FlushesCompletedFenced,
        ["flushesCompletedUnfenced"] = s => s.AtsPort?.FlushesCompletedUnfenced,
        ["fenceLeadMs"] = s => s.AtsPort?.FenceLeadMin?.TotalMilliseconds,
        ["guestAtcTimeouts"] = s => s.GuestAtcInvalidateTimeouts,
        ["guestSyncTimeouts"] = s => s.GuestCmdSyncTimeouts,
        // The guest's witness (null when the workload had none, so an expectation on it fails without it).
        ["guestCorruptions"] = s => s.GuestWitnessRounds > 0 ? s.GuestCorruptions : null,
        ["guestCorruptionsUnmatched"] = s => s.GuestWitnessRounds > 0 ? s.GuestFindings.Count(f => !f.Explained) : null,
        ["stragglerBytesWritten"] = s => s.Bridge.StragglerBytesWritten,
        ["rounds"] = s => s.Rounds,
        ["roundsVerified"] = s => s.RoundsVerified,
        ["guestIoErrors"] = s => s.GuestIoErrors,
        ["guestRecoveries"] = s => s.GuestRecoveries,
        ["requests"] = s => s.Bridge.Requests,
        ["requestErrors"] = s => s.Bridge.RequestErrors,
        // Engine counters that are not in EngineCounterSnapshot.All by these names.
        ["stragglers"] = s => s.Bridge.Engine.StragglersIssued,
        // Never reached memory: refused by the fence, or cancelled by the device reset of the recovery the fence
        // forced (which of the two depends on how fast the guest recovers: ~0.1 s on a trimmed kernel).
        ["stragglersStopped"] = s => s.Bridge.Engine.StragglersRefused + s.Bridge.Engine.StragglersCancelled,
        ["recoverySeconds"] = s => s.Bridge.Engine.LastRecoveryTime?.TotalSeconds,
        ["steInvalidations"] = s => s.IommuCommands.GetValueOrDefault("SMMU_CMD_CFGI_STE"),
        // IOMMU-neutral (IommuKind says what maps to what): CFGI_STE or VT-d context-cache invalidations, and so on.
        ["contextInvalidations"] = s => s.IommuCommands.GetValueOrDefault("SMMU_CMD_CFGI_STE") + s.IommuCommands.GetValueOrDefault(VtdDescriptors.ContextCache),
        ["deviceIotlbInvalidations"] = s => s.IommuCommands.GetValueOrDefault("SMMU_CMD_ATC_INV") + s.IommuCommands.GetValueOrDefault(VtdDescriptors.DeviceIotlb),
        ["waitCommands"] = s => s.IommuCommands.GetValueOrDefault("SMMU_CMD_SYNC") + s.IommuCommands.GetValueOrDefault(VtdDescriptors.Wait),
        // The guest's vCPU stall per invalidation (VT-d on stock QEMU; null when not measured).
        ["invalidationStalls"] = s => s.InvalidationStall?.Count,
        ["invalidationStallP50Ms"] = s => s.InvalidationStall?.P50?.TotalMilliseconds,
        ["invalidationStallMaxMs"] = s => s.InvalidationStall?.Max.TotalMilliseconds,
    };

    static RunMetrics()
    {
        // Every engine counter by its own name ("violations", "fences", ...), so a new counter is a metric at once.
        foreach (var counter in EngineCounterSnapshot.All)
        {
            Metrics.Add(counter.Name, s => counter.Read(s.Bridge.Engine));
        }
    }

    public static IEnumerable<string> Names => Metrics.Keys;

    public static bool IsKnown(string name) => Metrics.ContainsKey(name);

    public static double? Get(RunSummary summary, string name) => Metrics[name](summary);
}
