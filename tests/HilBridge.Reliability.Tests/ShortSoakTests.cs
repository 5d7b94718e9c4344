using HilBridge.Live.Run;
using HilBridge.Live.Soak;
using HilBridge.Reliability.Tests.TestSupport;

namespace HilBridge.Reliability.Tests;

/// <summary>`hilbridge soak` in miniature: a minute of guest I/O under changing fault policies (fence mode).</summary>
[Collection(LiveGuestCollection.Name)]
public sealed class ShortSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Soak_OneMinuteOfFaults_NoViolationNoMismatchGuestRecovers()
    {
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(60),
            Seed = 1, // schedule: a completion past the timeout, a healthy stretch, a refusal
            EpochMin = TimeSpan.FromSeconds(12),
            EpochMax = TimeSpan.FromSeconds(20),
            SampleInterval = TimeSpan.FromSeconds(2),
            OutputDirectory = Path.Combine(Path.GetTempPath(), "hilbridge-tests", "soak-" + Guid.NewGuid().ToString("N")[..8]),
        };
        var progress = new Progress<string>(line => { try { output.WriteLine(line); } catch (InvalidOperationException) { } });
        using var loggers = OutputLoggerProvider.Factory(output, Microsoft.Extensions.Logging.LogLevel.Warning);

        var report = await new SoakRunner(options, new LiveRunner(LiveRunPlanner.ForRepository(), loggers, TimeProvider.System, progress), progress).RunAsync(CancellationToken.None);

        output.WriteLine(report.Render());
        Assert.Equal(0, report.Violations);
        Assert.Equal(0, report.DataMismatches);
        Assert.Equal(0, report.RecoveryFailures);
        Assert.True(report.Fences >= 1, "no policy of the schedule fenced the device");
        Assert.Equal(report.Fences, report.Unfences);
        Assert.True(report.GuestRecoveries >= 1);
        // Every round the guest finished verified, and there were several: how many fit in a minute depends on
        // the machine's load (10 when quiet, 4 at load 18), so a fixed count of 5 was a throughput test.
        Assert.Equal(report.Rounds, report.RoundsVerified);
        Assert.True(report.RoundsVerified >= 2, $"only {report.RoundsVerified} rounds verified");
        Assert.True(report.MemorySamples >= 10);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "soak.json")));
    }
}
