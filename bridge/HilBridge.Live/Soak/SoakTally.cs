using HilBridge.Live.Guest;

namespace HilBridge.Live.Soak;

/// <summary>What the guest reported and which policies ran, over every guest run of a soak. Thread-safe.</summary>
public sealed class SoakTally
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _epochs = [];
    private readonly List<SoakMismatch> _mismatches = [];
    // The current round's events and differing blocks, until its round line.
    private readonly List<SoakRoundEvent> _roundEvents = [];
    private readonly List<SoakBlockMismatch> _roundBlocks = [];
    private int _roundAttempt = 1;
    private string _epoch = "before the first epoch";
    private int _run;

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

    /// <summary>Each round that read back different data, with its blocks and what preceded it.</summary>
    public IReadOnlyList<SoakMismatch> Mismatches
    {
        get
        {
            lock (_gate)
            {
                return [.. _mismatches];
            }
        }
    }

    /// <summary>A guest run begins: its rounds are numbered afresh.</summary>
    public void OnRunStarted(int run)
    {
        lock (_gate)
        {
            _run = run;
            _roundEvents.Clear();
            _roundBlocks.Clear();
            _roundAttempt = 1;
        }
    }

    public void OnEpoch(SoakEpoch epoch, TimeSpan at)
    {
        lock (_gate)
        {
            _epochs[epoch.Kind] = _epochs.GetValueOrDefault(epoch.Kind) + 1;
            _epoch = $"{epoch.Kind} since soak {at.TotalSeconds:F0} s: {epoch.Description}";
        }
    }

    /// <param name="report">The guest's line.</param>
    /// <param name="at">Soak time it arrived.</param>
    public void OnReport(GuestReport report, TimeSpan at)
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
                        _mismatches.Add(new SoakMismatch(
                            _run, (int)report.GetLong("n"), _roundAttempt, report.GetDouble("uptime"), at.TotalSeconds, _epoch,
                            [.. _roundBlocks], [.. _roundEvents]));
                    }

                    _roundEvents.Clear();
                    _roundBlocks.Clear();
                    _roundAttempt = 1;
                    break;
                case "mismatch":
                    _roundBlocks.Add(new SoakBlockMismatch(report.GetLong("block"), report.GetLong("offset"), report.GetLong("bytes"), report.Get("got") ?? "?"));
                    break;
                case "ioerror":
                    IoErrors++;
                    _roundAttempt++; // the round is tried again after the recovery
                    _roundEvents.Add(Event(report, at, "attempt", "phase", "block"));
                    break;
                case "recovered":
                    Recoveries++;
                    _roundEvents.Add(Event(report, at, "seconds"));
                    break;
                case "recovery-failed":
                    RecoveryFailures++;
                    break;
            }
        }
    }

    private SoakRoundEvent Event(GuestReport report, TimeSpan at, params string[] keys) =>
        new(string.Join(" ", [report.Kind, .. keys.Where(k => report.Get(k) is not null).Select(k => $"{k}={report.Get(k)}")]),
            report.GetDouble("uptime"), at.TotalSeconds, _epoch);
}
