using HilBridge.Scenarios;

namespace HilBridge.Live.Guest;

/// <summary>What the guest said about its own I/O, folded from its reports.</summary>
public sealed class GuestOutcome
{
    public TimeSpan? WorkloadStartedAfter { get; private set; }
    public double? GuestUptimeAtStart { get; private set; }
    public int RoundsReported { get; private set; }
    public int RoundsVerified { get; private set; }
    public int IoErrors { get; private set; }
    public int Recoveries { get; private set; }
    public List<double> RecoverySeconds { get; } = [];
    public bool RecoveryFailed { get; private set; }
    public bool? Verified { get; private set; }
    public bool Done { get; private set; }
    public TimeSpan? DoneAfter { get; private set; }
    public List<string> TimeoutMessages { get; } = [];

    /// <summary>The guest's witness: rounds checked, runs of changed bytes it counted, and the first findings.</summary>
    public int WitnessRounds { get; private set; }
    public int Corruptions { get; private set; }
    public List<GuestFinding> Findings { get; } = [];

    /// <summary>How many findings are kept with their details (all are counted).</summary>
    public const int MaxKeptFindings = 256;

    /// <summary>The guest kernel's "ATC invalidate timeout" and "CMD_SYNC timeout" messages, counted.</summary>
    public int AtcInvalidateTimeouts { get; private set; }
    public int CmdSyncTimeouts { get; private set; }

    /// <summary>How many timeout messages are kept verbatim (all are counted).</summary>
    public const int MaxKeptTimeoutMessages = 50;

    /// <summary>Folds a console line that is not an "HB:" report; true if it was a kernel timeout message.</summary>
    public bool ObserveKernelLine(string line)
    {
        switch (KernelTimeoutMessages.Classify(line))
        {
            case KernelTimeoutKind.AtcInvalidate:
                AtcInvalidateTimeouts++;
                break;
            case KernelTimeoutKind.CmdSync:
                CmdSyncTimeouts++;
                break;
            case KernelTimeoutKind.Detail:
                break;
            default:
                return false;
        }
        if (TimeoutMessages.Count < MaxKeptTimeoutMessages)
        {
            TimeoutMessages.Add(line.Trim());
        }

        return true;
    }

    public void Apply(GuestReport report)
    {
        switch (report.Kind)
        {
            case "start":
                WorkloadStartedAfter = report.ReceivedAfterLaunch;
                GuestUptimeAtStart = report.GetDouble("uptime");
                break;
            case "round":
                RoundsReported++;
                if (report.GetFlag("verified"))
                {
                    RoundsVerified++;
                }

                break;
            case "corruption":
                if (Findings.Count < MaxKeptFindings && GuestFinding.FromReport(report.Fields) is { } finding)
                {
                    Findings.Add(finding);
                }

                break;
            case "witness":
                WitnessRounds++;
                Corruptions += (int)report.GetLong("runs");
                break;
            case "ioerror":
                IoErrors++;
                break;
            case "recovered":
                Recoveries++;
                RecoverySeconds.Add(report.GetDouble("seconds"));
                break;
            case "recovery-failed":
                RecoveryFailed = true;
                break;
            case "result":
                Verified = report.GetFlag("verified");
                break;
            case "done":
                Done = true;
                DoneAfter = report.ReceivedAfterLaunch;
                break;
        }
    }
}
