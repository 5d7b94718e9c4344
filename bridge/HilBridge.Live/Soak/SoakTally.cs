using HilBridge.Live.Guest;

namespace HilBridge.Live.Soak;

/// <summary>What the guest reported and which policies ran, over every guest run of a soak. Thread-safe.</summary>
public sealed class SoakTally
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _epochs = [];

    public int Rounds { get; private set; }
    public int RoundsVerified { get; private set; }

    /// <summary>Rounds whose write and read both succeeded and whose data still differed: the one outcome the bridge must never cause.</summary>
    public int DataMismatches { get; private set; }
    public int IoErrors { get; private set; }
    public int Recoveries { get; private set; }
    public int RecoveryFailures { get; private set; }

    public IReadOnlyDictionary<string, int> Epochs
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_epochs);
            }
        }
    }

    public void OnEpoch(SoakEpoch epoch)
    {
        lock (_gate)
        {
            _epochs[epoch.Kind] = _epochs.GetValueOrDefault(epoch.Kind) + 1;
        }
    }

    public void OnReport(GuestReport report)
    {
        lock (_gate)
        {
            switch (report.Kind)
            {
                case "round":
                    Rounds++;
                    if (report.GetFlag("verified"))
                    {
                        RoundsVerified++;
                    }
                    else if (report.GetFlag("write_ok") && report.GetFlag("read_ok"))
                    {
                        DataMismatches++;
                    }

                    break;
                case "ioerror":
                    IoErrors++;
                    break;
                case "recovered":
                    Recoveries++;
                    break;
                case "recovery-failed":
                    RecoveryFailures++;
                    break;
            }
        }
    }
}
