namespace HilBridge.Host.Guest;

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
                    RoundsVerified++;
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
