using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.EndToEnd.Tests;

/// <summary>Runs the real main job: qemu-scripts/setup.sh guest, QEMU 7.2 with SMMUv3, the bridge.</summary>
internal static class LiveRun
{
    /// <param name="guestKernel">A kernel name for --guest-kernel; null: the scenario's or stable.</param>
    /// <param name="outputDirectory">The run folder; null: a fresh one under the temporary directory.</param>
    public static async Task<RunSummary> ExecuteAsync(Scenario scenario, ITestOutputHelper output, string? guestKernel = null, string? outputDirectory = null)
    {
        var options = new LiveRunOptions
        {
            Scenario = scenario,
            GuestKernel = guestKernel,
            OutputDirectory = outputDirectory ?? NewOutputDirectory(scenario.Name),
        };
        var progress = new Progress<string>(line => { try { output.WriteLine(line); } catch (InvalidOperationException) { } });
        var runner = new LiveRunner(LiveRunPlanner.ForRepository(), NullLoggerFactory.Instance, TimeProvider.System, progress);
        using var cts = new CancellationTokenSource(scenario.Timeout + TimeSpan.FromMinutes(2));
        var summary = await runner.RunAsync(options, cts.Token);
        output.WriteLine(summary.Render());
        return summary;
    }

    public static string NewOutputDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), "hilbridge-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);

    public static string ScenarioPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scenarios", name + ".yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"scenarios/{name}.yaml not found above {AppContext.BaseDirectory}");
    }
}
