using System.Diagnostics;
using System.Globalization;
using HilBridge.Bench.Processes;
using HilBridge.Live.Guest;
using HilBridge.Live.Qemu;

namespace HilBridge.Bench.Guest;

/// <summary>
/// Boots the bench guest once against a running back-end with the product's own QEMU command line
/// (QemuCommandLine.Build: virt + SMMUv3, shared memfd RAM, vhost-user-blk-pci on a root port) and
/// collects the "HB: bench" lines from the serial console.
/// </summary>
internal sealed class GuestBootRunner(GuestSettings settings, string qemuBinary)
{
    private static readonly TimeSpan BootLimit = TimeSpan.FromSeconds(120);

    /// <summary>
    /// One boot against <paramref name="peer"/> (already started). With <paramref name="tracePath"/>, QEMU
    /// traces <see cref="IommuTrace.Events"/> there and each test gets the IOMMU work of its own window.
    /// </summary>
    public (bool Verified, string? Failure, double? BootSeconds, double WallSeconds, List<GuestTestResult> Tests) Boot(
        GuestPeer peer, string socket, bool iommuPlatform, string runDirectory, string logPath, string? tracePath)
    {
        var options = new QemuOptions
        {
            Binary = qemuBinary,
            Kernel = settings.Kernel,
            Initrd = settings.Initrd,
            IommuPlatform = iommuPlatform,
            QueueCount = 1,
            WorkloadArguments = string.Create(CultureInfo.InvariantCulture,
                $"hb.mode=bench hb.bench_seconds={settings.SecondsPerTest} hb.bench_seq_bs={settings.SequentialBlockSize} hb.bench_span_mib={settings.SpanMiB} hb.bench_tests={settings.Tests}"),
        };
        var qmp = Path.Combine(runDirectory, "qmp.sock");
        File.Delete(qmp);
        var args = peer.QemuArguments(QemuCommandLine.Build(options, new QemuEndpoints(socket, qmp, TraceFile: null))).ToList();
        if (tracePath is not null)
        {
            File.Delete(tracePath);
            args.AddRange(IommuTrace.QemuArguments(tracePath));
        }

        var wall = Stopwatch.StartNew();
        // QEMU stamps its trace lines with the wall clock; each test's window ends when its line arrives.
        var testEnds = new List<double>();
        double testsStart = 0;
        using var qemu = ChildProcess.Start("qemu", qemuBinary, args, logPath, logStdout: true);
        var tests = new List<GuestTestResult>();
        double? boot = null;
        string? failure = null;
        var verified = false;
        var limit = BootLimit + TimeSpan.FromSeconds(settings.SecondsPerTest * 4 * 2);
        try
        {
            while (true)
            {
                var left = limit - wall.Elapsed;
                var line = qemu.ReadLine(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                if (!GuestConsoleParser.TryParse(line, wall.Elapsed, out var report))
                {
                    continue;
                }

                switch (report.Kind)
                {
                    case "start":
                        boot = wall.Elapsed.TotalSeconds;
                        testsStart = UnixNow();
                        break;
                    case "bench":
                        tests.Add(Parse(report.Fields));
                        testEnds.Add(UnixNow());
                        break;
                    case "error" or "watchdog":
                        failure = line[line.IndexOf("HB: ", StringComparison.Ordinal)..];
                        break;
                    case "result":
                        verified = report.Fields.GetValueOrDefault("verified") == "1";
                        break;
                }
                if (report.Kind == "done")
                {
                    break;
                }
            }
        }
        catch (BenchException ex)
        {
            failure ??= "guest: " + ex.Message;
        }
        if (!qemu.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            failure ??= "QEMU did not power off";
        }

        if (!verified)
        {
            failure ??= "the guest reported I/O errors or wrong data";
        }

        if (tracePath is not null && File.Exists(tracePath) && tests.Count > 0)
        {
            var windows = IommuTrace.Count(File.ReadLines(tracePath), testEnds, testsStart);
            tests = tests.Select((t, i) => t with { Iommu = windows[i] }).ToList();
        }

        return (verified && failure is null, failure, boot, wall.Elapsed.TotalSeconds, tests);
    }

    private static double UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    internal static GuestTestResult Parse(IReadOnlyDictionary<string, string> f)
    {
        double D(string k) => double.TryParse(f.GetValueOrDefault(k), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
        long L(string k) => long.TryParse(f.GetValueOrDefault(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
        return new GuestTestResult(f.GetValueOrDefault("test", "?"), (int)L("bs"), L("ops"), D("seconds"), D("mbps"), D("iops"),
            L("lat_p50_us"), L("lat_p99_us"), L("errors"), L("bad_blocks"));
    }
}
