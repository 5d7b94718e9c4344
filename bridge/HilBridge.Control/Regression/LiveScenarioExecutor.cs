using HilBridge.Control.Live;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Control.Regression;

/// <summary>
/// Runs a case as a live run: a fresh QEMU and guest via <see cref="LiveRunner"/>, with its own
/// runtime directory, sockets and disk image, and the gRPC control plane that the scenario's
/// control actions go through.
/// </summary>
public sealed class LiveScenarioExecutor(LiveScenarioSettings settings, LiveRunPlanner planner, ILoggerFactory loggers, TimeProvider time) : IScenarioExecutor
{
    public async Task<RunSummary> RunAsync(SuiteCase scenarioCase, int attempt, string outputDirectory, IProgress<string> progress, CancellationToken ct)
    {
        var scenario = scenarioCase.Scenario ?? throw new InvalidOperationException($"{scenarioCase.Id} did not load");
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true); // a stale disk image or log from an earlier regress
        }

        var options = new LiveRunOptions
        {
            Scenario = scenario,
            OutputDirectory = Path.GetFullPath(outputDirectory),
            GuestKernel = scenarioCase.Kernel?.Spec.Value,
            Kernel = settings.Kernel,
            Initrd = settings.Initrd,
            Qemu = new() { Binary = settings.QemuBinary },
            Iommu = settings.Iommu,
        };
        ControlPlaneExtension.AddTo(options, settings.Control());
        var runner = new LiveRunner(planner, loggers, time, settings.Verbose ? progress : new ControlOnly(progress));
        return await runner.RunAsync(options, ct);
    }

    /// <summary>Without --verbose, a suite's progress shows only what the control plane did, not every guest line.</summary>
    private sealed class ControlOnly(IProgress<string> inner) : IProgress<string>
    {
        public void Report(string value)
        {
            if (value.StartsWith("control action", StringComparison.Ordinal))
            {
                inner.Report(value);
            }
        }
    }
}

/// <summary>What every live run of a regression shares.</summary>
public sealed class LiveScenarioSettings
{
    /// <summary>The user's QEMU; null: the IOMMU's from PATH (qemu-system-aarch64, qemu-system-x86_64), or the patched build for guest-visible ATS.</summary>
    public string? QemuBinary { get; set; }

    /// <summary>`regress --iommu`: every scenario behind this IOMMU; null: each scenario's `iommu:`.</summary>
    public IommuKind? Iommu { get; set; }
    public string? Kernel { get; set; }
    public string? Initrd { get; set; }

    /// <summary>Pass every progress line of each run (guest reports, heartbeats) through.</summary>
    public bool Verbose { get; set; }

    /// <summary>A fresh control plane configuration per run (each run has its own socket).</summary>
    public Func<ControlPlaneOptions> Control { get; set; } = () => new ControlPlaneOptions();
}
