using HilBridge.Live.AtsPort;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using Microsoft.Extensions.Logging;

namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>
/// The real aarch64 guest under QEMU 7.2 against a bridge this test controls: unlike LiveRunner, the
/// test may kill QEMU, or dispose the bridge and start a new one on the same socket and disk while
/// QEMU keeps running. Console reports are collected as they arrive. With <see cref="LiveGuestAts"/>
/// the guest sees ATS through the patched QEMU, and the bridge serves the SMMU's ATS port too.
/// </summary>
internal sealed record LiveGuestAts(string QemuBinary, GuestVisibleAtsOptions Options, IReadOnlyList<string> TraceEvents);

internal sealed class LiveGuest : IDisposable
{
    private readonly List<GuestReport> _reports = [];
    private readonly List<string> _console = [];
    private readonly ITestOutputHelper _output;
    private readonly ILoggerFactory _loggers;
    private readonly string _runtimeDir;
    private readonly BridgeOptions _bridgeOptions;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly LiveGuestAts? _ats;
    private string _qemuBinary = QemuOptions.DefaultBinary;
    private QemuOptions _qemuOptions = null!;
    private int _launches;

    private LiveGuest(ITestOutputHelper output, ILoggerFactory loggers, string runtimeDir, BridgeOptions bridgeOptions, Func<LiveGuest, Task>? startBridge, LiveGuestAts? ats)
    {
        _output = output;
        _loggers = loggers;
        _runtimeDir = runtimeDir;
        _bridgeOptions = bridgeOptions;
        _ats = ats;
        SocketPath = Path.Combine(runtimeDir, "vhost.sock");
        AtsPortPath = ats is null ? null : Path.Combine(runtimeDir, "ats-port.sock");
        if (startBridge is null)
        {
            StartBridge();
        }
    }

    /// <summary>The ATS port the bridge serves (guest-visible ATS only).</summary>
    public AtsPortEndpoint? AtsPort { get; private set; }

    public string? AtsPortPath { get; }

    /// <summary>QEMU's trace log (-D) of the current launch, when trace events were asked for.</summary>
    public string? TraceFile { get; private set; }

    private VhostBlkBridge? _bridge;

    /// <summary>The in-process bridge (not available when the test runs its own, e.g. as a child process).</summary>
    public VhostBlkBridge Bridge => _bridge ?? throw new InvalidOperationException("this guest's bridge is not in this process");

    public string RuntimeDirectory => _runtimeDir;

    public QemuProcess Qemu { get; private set; } = null!;

    public string SocketPath { get; }

    public string DiskPath => _bridgeOptions.DiskImage;

    /// <summary>
    /// Boots the guest with <paramref name="workload"/> (hb.* kernel parameters) against a fresh bridge and
    /// disk; with <paramref name="startBridge"/>, the test starts the bridge itself (on SocketPath and DiskPath) before QEMU.
    /// </summary>
    public static async Task<LiveGuest> BootAsync(ITestOutputHelper output, string workload, int? reconnectSeconds = null, BridgeOptions? bridge = null, Func<LiveGuest, Task>? startBridge = null, LiveGuestAts? ats = null)
    {
        var image = await GuestImageProvider.EnsureAsync(new RepositoryLayout(new HostPathsOptions()).FindScriptsDirectory(), _ => { }, CancellationToken.None);
        var runtimeDir = RepositoryLayout.CreatePrivateRuntimeDirectory(Path.GetTempPath());
        bridge = (bridge ?? new BridgeOptions()) with { DiskImage = Path.Combine(runtimeDir, "disk.img") };
        var loggers = OutputLoggerProvider.Factory(output);
        var guest = new LiveGuest(output, loggers, runtimeDir, bridge, startBridge, ats);
        if (startBridge is not null)
        {
            await startBridge(guest);
        }

        guest._qemuOptions = new QemuOptions
        {
            Kernel = image.Kernel,
            Initrd = image.Initrd,
            WorkloadArguments = workload,
            VhostReconnectSeconds = reconnectSeconds,
            GuestVisibleAts = ats?.Options,
            TraceEvents = ats?.TraceEvents ?? [],
        };
        guest._qemuBinary = ats?.QemuBinary ?? QemuOptions.DefaultBinary;
        guest.LaunchQemu();
        return guest;
    }

    /// <summary>Starts QEMU (again, after <see cref="KillQemuAsync"/>): a fresh guest against the same bridge and disk, with another workload if given.</summary>
    public void LaunchQemu(string? workload = null)
    {
        _launches++;
        if (workload is not null)
        {
            _qemuOptions = _qemuOptions with { WorkloadArguments = workload };
        }

        TraceFile = _qemuOptions.TraceEvents is { Count: > 0 } ? Path.Combine(_runtimeDir, $"qemu-trace-{_launches}.log") : null;
        var qmp = Path.Combine(_runtimeDir, $"qmp-{_launches}.sock");
        var args = QemuCommandLine.Build(_qemuOptions, new QemuEndpoints(SocketPath, qmp, TraceFile, AtsPortPath));
        lock (_reports)
        {
            _reports.Clear();
        }

        Qemu = QemuProcess.Start(_qemuBinary, args, OnConsole, line => Log("[qemu] " + line));
        Log($"== QEMU launch {_launches} ==");
    }

    /// <summary>SIGKILL to QEMU; waits until it is gone.</summary>
    public async Task KillQemuAsync()
    {
        Qemu.Kill();
        await Qemu.WaitForExitAsync(CancellationToken.None);
        Qemu.Dispose();
        Log("== QEMU killed ==");
    }

    /// <summary>Lines of QEMU's trace log of the current launch naming <paramref name="traceEvent"/>.</summary>
    public IReadOnlyList<string> TraceLines(string traceEvent) =>
        TraceFile is { } file && File.Exists(file)
            ? File.ReadLines(file).Where(l => l.Contains(traceEvent + " ", StringComparison.Ordinal) || l.Contains(traceEvent + "(", StringComparison.Ordinal)).ToList()
            : [];

    public IReadOnlyList<GuestReport> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToArray();
            }
        }
    }

    public IReadOnlyList<string> ConsoleLines
    {
        get
        {
            lock (_reports)
            {
                return _console.ToArray();
            }
        }
    }

    /// <summary>Waits for the first report matching <paramref name="match"/>; null on timeout or if QEMU exits first.</summary>
    public async Task<GuestReport?> WaitForAsync(Func<GuestReport, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Reports.FirstOrDefault(match) is { } report)
            {
                return report;
            }

            if (Qemu.HasExited)
            {
                await Task.Delay(300); // late console lines
                return Reports.FirstOrDefault(match);
            }
            await Task.Delay(50);
        }
        return null;
    }

    public Task<GuestReport?> WaitForAsync(string kind, TimeSpan timeout) => WaitForAsync(r => r.Kind == kind, timeout);

    /// <summary>
    /// The guest's result, waiting as long as the guest makes progress: a report (a round) at least every
    /// <paramref name="quiet"/>, 20 min at most. A loaded machine can make every round several times
    /// slower, so a fixed bound on the whole run fails a correct bridge; a guest that stops reporting
    /// (a hang, lost I/O) still ends the wait after <paramref name="quiet"/>. Null then, or if QEMU exits first.
    /// </summary>
    public async Task<GuestReport?> WaitForResultAsync(TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        while (DateTime.UtcNow < deadline)
        {
            var seen = Reports.Count;
            if (await WaitForAsync(r => r.Kind == "result", quiet) is { } result)
            {
                return result;
            }

            if (Reports.Count == seen || Qemu.HasExited)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Disposes the bridge (the connection drops at once) and serves the same socket and disk with a new one.</summary>
    public VhostBlkBridge RestartBridge()
    {
        Log("== bridge stopped ==");
        StopAtsPort();
        Bridge.Dispose();
        StartBridge();
        Log("== bridge restarted ==");
        return _bridge!;
    }

    private void StartBridge()
    {
        _bridge = new VhostBlkBridge(_bridgeOptions, _loggers, TimeProvider.System);
        _bridge.Start(SocketPath);
        if (AtsPortPath is { } ats)
        {
            AtsPort = AtsPortEndpoint.Start(_bridge, ats, TimeProvider.System, _loggers);
        }
    }

    private void StopAtsPort()
    {
        AtsPort?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        AtsPort = null;
    }

    public void Log(string line)
    {
        try
        {
            _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:F2}] {line}");
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void OnConsole(string line)
    {
        lock (_reports)
        {
            _console.Add(line);
        }

        if (GuestConsoleParser.TryParse(line, _clock.Elapsed, out var report))
        {
            lock (_reports)
            {
                _reports.Add(report);
            }

            Log(line[line.IndexOf("HB: ", StringComparison.Ordinal)..]);
        }
        else if (line.Contains("hb-init", StringComparison.Ordinal) || line.Contains("virtio", StringComparison.OrdinalIgnoreCase) || line.Contains("I/O error", StringComparison.Ordinal))
        {
            Log("[console] " + line);
        }
    }

    public void Dispose()
    {
        Qemu?.Dispose();
        StopAtsPort();
        _bridge?.Dispose();
        _loggers.Dispose();
        try { Directory.Delete(_runtimeDir, recursive: true); } catch (IOException) { }
    }
}
