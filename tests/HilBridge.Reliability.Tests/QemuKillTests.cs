using System.Diagnostics;
using HilBridge.Fuzz.Driver;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using HilBridge.Reliability.Tests.TestSupport;
using HilBridge.Traces.Format;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Reliability.Tests;

/// <summary>QEMU killed (SIGKILL) while the guest is in the middle of its I/O: the bridge must survive it.</summary>
[Collection(LiveGuestCollection.Name)]
public sealed class QemuKillTests(ITestOutputHelper output)
{
    // Requests of the guest's workload (one round is ~1,024) that make a kill "mid-I/O".
    private const int WorkloadRequests = 64;

    [Fact]
    public async Task Run_QemuKilledMidIo_AbortedNamingTheSignalWithACompleteTrace()
    {
        // The heartbeat comes every 5 s; the guest's rounds (512 writes, 512 reads) run for minutes.
        var scenario = Scenario.Default(rounds: 30, blocks: 512) with { Name = "qemu-kill", Timeout = TimeSpan.FromMinutes(3) };
        var options = new LiveRunOptions
        {
            Scenario = scenario,
            OutputDirectory = Path.Combine(Path.GetTempPath(), "hilbridge-tests", "qemu-kill-" + Guid.NewGuid().ToString("N")[..8]),
        };
        var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var workloadStarted = false;
        var progress = new Progress<string>(line =>
        {
            Log(line);
            // Kill QEMU in the middle of the guest's I/O: at the first heartbeat after the guest's start
            // that counts WorkloadRequests served. Not a fixed time after the start line: the guest first
            // spends seconds generating its data (700 ms after it, the bridge had served 1 request, the boot's
            // partition read, in 2 of 3 CI runs), more under load.
            workloadStarted |= line.Contains("HB: start", StringComparison.Ordinal);
            if (workloadStarted && HeartbeatRequests(line) >= WorkloadRequests)
            {
                KillQemu(killed);
            }
        });
        var runner = new LiveRunner(LiveRunPlanner.ForRepository(), NullLoggerFactory.Instance, TimeProvider.System, progress);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var summary = await runner.RunAsync(options, cts.Token);

        Log(summary.Render());
        Assert.True(killed.Task.IsCompletedSuccessfully, "QEMU was never killed");
        Assert.Equal("aborted", summary.Outcome.ToText());
        Assert.Contains("killed by signal 9 (SIGKILL", summary.Reason, StringComparison.Ordinal);
        Assert.True(summary.Bridge.Requests >= WorkloadRequests, $"only {summary.Bridge.Requests} requests reached the bridge before the kill");
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "summary.json")));
        // The trace was finished: it reads to its end record.
        using var trace = TraceReader.Open(Path.Combine(options.OutputDirectory, "trace.hbt"));
        while (trace.TryRead(out _))
        {
        }
        Assert.True(trace.Status == TraceReadStatus.Complete, $"trace: {trace.Status} {trace.Problem}");
        Assert.True(trace.RecordsRead > 100, $"only {trace.RecordsRead} records");
    }

    [Fact]
    public async Task Bridge_QemuKilledMidIo_ServesTheNextFrontEnd()
    {
        using var guest = await LiveGuest.BootAsync(output, "hb.mode=verify hb.rounds=30 hb.blocks=512");
        Assert.NotNull(await guest.WaitForAsync("start", TimeSpan.FromSeconds(240)));
        // Mid-I/O: once the guest's workload has reached the bridge (a fixed 800 ms after the start line
        // found 1 request, the boot's partition read, in 2 of 3 CI runs: the guest generates its data first).
        Assert.True(await Poll.UntilAsync(() => guest.Bridge.Statistics().Requests >= WorkloadRequests, TimeSpan.FromMinutes(3)), "the guest's I/O never reached the bridge");
        var before = guest.Bridge.Statistics();

        guest.Qemu.Kill();
        await guest.Qemu.WaitForExitAsync(CancellationToken.None);
        guest.Log($"QEMU killed: exit status {guest.Qemu.ExitCode}; {before.Requests} requests served before");

        // A second front-end on the same bridge: full handshake, writes, reads back.
        using var driver = BlkDriver.Connect(guest.SocketPath);
        var data = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 13 + 5)).ToArray();
        for (var i = 0; i < 8; i++)
        {
            Assert.True(driver.WriteSectors((ulong)(1024 + i * 16), data.AsSpan(i * 8192, 8192)), $"write {i} failed");
        }

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(data.AsSpan(i * 8192, 8192).ToArray(), driver.ReadSectors((ulong)(1024 + i * 16), 8192));
        }

        Assert.True(guest.Bridge.Statistics().Sessions >= 2);
    }

    /// <summary>The request count of a LiveRunner heartbeat line ("  10 s  workload, ...; 812 requests, ..."), else -1.</summary>
    private static long HeartbeatRequests(string line)
    {
        var match = System.Text.RegularExpressions.Regex.Match(line, @"; (\d+) requests,");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }


    private void KillQemu(TaskCompletionSource<int> killed)
    {
        if (killed.Task.IsCompleted)
        {
            return;
        }

        foreach (var pid in ChildProcesses.Named("qemu-system-aarch64"))
        {
            using var qemu = Process.GetProcessById(pid);
            qemu.Kill(); // SIGKILL
            Log($"killed QEMU (pid {pid})");
            killed.TrySetResult(pid);
        }
    }

    private void Log(string line)
    {
        try { output.WriteLine(line); } catch (InvalidOperationException) { }
    }
}
