using HilBridge.Control.Regression;
using HilBridge.Live.Device;
using HilBridge.Live.Run;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.TestSupport;

/// <summary>
/// A scenario executor without QEMU: each attempt's bridge counters come from a function of the case
/// and attempt, and the summary is judged against the scenario's real expectations.
/// </summary>
public sealed class FakeExecutor(Func<SuiteCase, int, BridgeStatistics> counters) : IScenarioExecutor
{
    private int _running;

    public int Calls;
    public int MaxConcurrent;

    public Func<SuiteCase, int, Exception?> Throw { get; init; } = (_, _) => null;

    public Func<SuiteCase, int, string?> Abort { get; init; } = (_, _) => null;

    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    /// <summary>The kernel the run says it booted (a live run takes it from the guest's versions.env).</summary>
    public Func<SuiteCase, GuestKernelInfo?> Kernel { get; init; } = _ => null;

    public async Task<RunSummary> RunAsync(SuiteCase scenarioCase, int attempt, string outputDirectory, IProgress<string> progress, CancellationToken ct)
    {
        Interlocked.Increment(ref Calls);
        var now = Interlocked.Increment(ref _running);
        lock (this)
        {
            MaxConcurrent = Math.Max(MaxConcurrent, now);
        }

        try
        {
            await Task.Delay(Delay, ct);
            if (Throw(scenarioCase, attempt) is { } ex)
            {
                throw ex;
            }

            var summary = Summaries.Completed(counters(scenarioCase, attempt), reason: Abort(scenarioCase, attempt)) with { Kernel = Kernel(scenarioCase) };
            return Summaries.Judged(summary, scenarioCase.Scenario!);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
