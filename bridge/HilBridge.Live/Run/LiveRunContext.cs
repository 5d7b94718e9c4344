using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Run;

/// <summary>What a <see cref="ILiveRunExtension"/> may see and do during one live run.</summary>
public sealed class LiveRunContext(VhostBlkBridge bridge, Scenario scenario, string runtimeDirectory, string outputDirectory, IProgress<string> progress, ILoggerFactory loggers)
{
    private string? _failure;

    public VhostBlkBridge Bridge => bridge;

    public Scenario Scenario => scenario;

    /// <summary>The run's private (0700) directory for sockets; deleted when the run ends.</summary>
    public string RuntimeDirectory => runtimeDirectory;

    public string OutputDirectory => outputDirectory;

    public IProgress<string> Progress => progress;

    public ILoggerFactory Loggers => loggers;

    /// <summary>Installed as (part of) the bridge's engine observer before it starts: attach a recorder mid-run here.</summary>
    public EngineTap EngineTap { get; } = new();

    /// <summary>The whole-run trace the run writes (replayable), or null when it records none.</summary>
    public string? TracePath { get; init; }

    /// <summary>QEMU, kernel and other versions of the guest (for trace headers).</summary>
    public IReadOnlyDictionary<string, string> GuestVersions { get; init; } = new Dictionary<string, string>();

    /// <summary>Every guest console report ("HB: kind ..."), in order, on the console reader's thread: be quick.</summary>
    public event Action<GuestReport>? GuestReported;

    /// <summary>The first failure an extension reported, if any; the run is then aborted with it as the reason.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Marks the run as aborted because an extension could not do its job (e.g. a control action failed).</summary>
    public void Fail(string reason) => Interlocked.CompareExchange(ref _failure, reason, null);

    /// <summary>Raises <see cref="GuestReported"/>; the run calls it for every console report.</summary>
    public void OnGuestReport(GuestReport report) => GuestReported?.Invoke(report);
}
