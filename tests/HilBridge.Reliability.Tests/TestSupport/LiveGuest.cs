using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using Microsoft.Extensions.Logging;

namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>
/// The real aarch64 guest under QEMU 7.2 against a bridge this test controls: unlike LiveRunner, the
/// test may kill QEMU, or dispose the bridge and start a new one on the same socket and disk while
/// QEMU keeps running. Console reports are collected as they arrive.
/// </summary>
internal sealed class LiveGuest : IDisposable
{
    private readonly List<GuestReport> _reports = [];
    private readonly List<string> _console = [];
    private readonly ITestOutputHelper _output;
    private readonly ILoggerFactory _loggers;
    private readonly string _runtimeDir;
    private readonly BridgeOptions _bridgeOptions;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private LiveGuest(ITestOutputHelper output, ILoggerFactory loggers, string runtimeDir, BridgeOptions bridgeOptions, Func<LiveGuest, Task>? startBridge)
    {
        _output = output;
        _loggers = loggers;
        _runtimeDir = runtimeDir;
        _bridgeOptions = bridgeOptions;
        SocketPath = Path.Combine(runtimeDir, "vhost.sock");
        if (startBridge is null)
        {
            _bridge = new VhostBlkBridge(bridgeOptions, loggers, TimeProvider.System);
            _bridge.Start(SocketPath);
        }
    }

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
    public static async Task<LiveGuest> BootAsync(ITestOutputHelper output, string workload, int? reconnectSeconds = null, BridgeOptions? bridge = null, Func<LiveGuest, Task>? startBridge = null)
    {
        var image = await GuestImageProvider.EnsureAsync(new RepositoryLayout(new HostPathsOptions()).FindScriptsDirectory(), _ => { }, CancellationToken.None);
        var runtimeDir = RepositoryLayout.CreatePrivateRuntimeDirectory(Path.GetTempPath());
        bridge = (bridge ?? new BridgeOptions()) with { DiskImage = Path.Combine(runtimeDir, "disk.img") };
        var loggers = OutputLoggerProvider.Factory(output);
        var guest = new LiveGuest(output, loggers, runtimeDir, bridge, startBridge);
        if (startBridge is not null)
        {
            await startBridge(guest);
        }

        var qemu = new QemuOptions
        {
            Kernel = image.Kernel,
            Initrd = image.Initrd,
            WorkloadArguments = workload,
            VhostReconnectSeconds = reconnectSeconds,
        };
        var args = QemuCommandLine.Build(qemu, new QemuEndpoints(guest.SocketPath, Path.Combine(runtimeDir, "qmp.sock"), null));
        guest.Qemu = QemuProcess.Start(qemu.Binary ?? QemuOptions.DefaultBinary, args, guest.OnConsole, line => guest.Log("[qemu] " + line));
        return guest;
    }

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

    /// <summary>Disposes the bridge (the connection drops at once) and serves the same socket and disk with a new one.</summary>
    public VhostBlkBridge RestartBridge()
    {
        Log("== bridge stopped ==");
        Bridge.Dispose();
        _bridge = new VhostBlkBridge(_bridgeOptions, _loggers, TimeProvider.System);
        _bridge.Start(SocketPath);
        Log("== bridge restarted ==");
        return _bridge;
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
        _bridge?.Dispose();
        _loggers.Dispose();
        try { Directory.Delete(_runtimeDir, recursive: true); } catch (IOException) { }
    }
}
