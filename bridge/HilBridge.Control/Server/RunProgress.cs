using HilBridge.Live.Guest;

namespace HilBridge.Control.Server;

/// <summary>What the control plane tells about the run it belongs to, updated from the guest's console reports.</summary>
public sealed class RunProgress(string scenario, string outputDirectory)
{
    private int _rounds;
    private string _lastReport = "";

    public string Scenario => scenario;

    public string OutputDirectory => outputDirectory;

    public int RoundsReported => Volatile.Read(ref _rounds);

    public string LastGuestReport => Volatile.Read(ref _lastReport);

    public void Observe(GuestReport report)
    {
        if (report.Kind == "round")
        {
            Interlocked.Increment(ref _rounds);
        }

        Volatile.Write(ref _lastReport, report.Kind);
    }
}
