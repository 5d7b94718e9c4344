using HilBridge.Live.Run;
using HilBridge.Scenarios;

namespace HilBridge.Control.Regression;

/// <summary>Runs one scenario once and returns its judged summary (a live run with a fresh QEMU and guest, or a fake in tests).</summary>
public interface IScenarioExecutor
{
    /// <param name="outputDirectory">This attempt's own folder (console log, summary.json, disk image).</param>
    Task<RunSummary> RunAsync(SuiteCase scenarioCase, int attempt, string outputDirectory, IProgress<string> progress, CancellationToken ct);
}
