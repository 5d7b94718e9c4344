using HilBridge.Host.Run;

namespace HilBridge.Host.Scenarios;

/// <summary>The numbers of a run summary by name: what expectations can refer to. Booleans are 1/0.</summary>
public static class RunMetrics
{
    private static readonly Dictionary<string, Func<RunSummary, double?>> Metrics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aborted"] = s => s.Outcome == "aborted" ? 1 : 0,
        ["dataVerified"] = s => s.DataVerified is { } v ? (v ? 1 : 0) : null,
        // Guest-visible ATS (null without the ATS port, so an expectation on them fails on stock QEMU).
        ["atsInvalidations"] = s => s.AtsPort?.AtcInvalidations,
        ["atsCompletions"] = s => s.AtsPort?.CompletionsSent,
        ["atsFailedCompletions"] = s => s.AtsPort?.FailedCompletionsSent,
        ["atsWithheldCompletions"] = s => s.AtsPort?.CompletionsWithheld,
        ["smmuAtcTimeouts"] = s => s.AtsPort?.SmmuTimeouts,
        ["smmuSyncErrors"] = s => s.AtsPort?.SyncErrors,
        ["steFences"] = s => s.AtsPort?.SteFences,
        ["guestAtcTimeouts"] = s => s.GuestAtcInvalidateTimeouts,
        ["guestSyncTimeouts"] = s => s.GuestCmdSyncTimeouts,
        ["rounds"] = s => s.Rounds,
        ["roundsVerified"] = s => s.RoundsVerified,
        ["guestIoErrors"] = s => s.GuestIoErrors,
        ["guestRecoveries"] = s => s.GuestRecoveries,
        ["requests"] = s => s.Bridge.Requests,
        ["requestErrors"] = s => s.Bridge.RequestErrors,
        ["atcMisses"] = s => s.Bridge.AtcMisses,
        ["atcHits"] = s => s.Bridge.AtcHits,
        ["invalidations"] = s => s.Bridge.Invalidations,
        ["invalidationsAcked"] = s => s.Bridge.InvalidationsAcked,
        ["invalidationsRefused"] = s => s.Bridge.InvalidationsRefused,
        ["invalidationsTimedOut"] = s => s.Bridge.InvalidationsTimedOut,
        ["fences"] = s => s.Bridge.Fences,
        ["unfences"] = s => s.Bridge.Unfences,
        ["refusedAccesses"] = s => s.Bridge.RefusedAccesses,
        ["violations"] = s => s.Bridge.Violations,
        ["stragglers"] = s => s.Bridge.StragglersIssued,
        ["stragglersRefused"] = s => s.Bridge.StragglersRefused,
        ["recoverySeconds"] = s => s.Bridge.LastRecoverySeconds,
        ["steInvalidations"] = s => s.SmmuCommands.GetValueOrDefault("SMMU_CMD_CFGI_STE"),
    };

    public static IEnumerable<string> Names => Metrics.Keys;

    public static bool IsKnown(string name) => Metrics.ContainsKey(name);

    public static double? Get(RunSummary summary, string name) => Metrics[name](summary);
}
