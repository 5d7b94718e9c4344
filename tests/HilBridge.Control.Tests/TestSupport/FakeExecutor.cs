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

    /// <summary>
    /// When set, every attempt waits until this many are running at once (then all go on): proof of
    /// parallelism by counting, not by timing. Never reached (the runner is more serial than that), the
    /// attempts give up after a generous bound and error, so the test fails instead of hanging.
    /// </summary>
    public int? Rendezvous { get; init; }

    private readonly TaskCompletionSource _gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
            if (Rendezvous is { } quorum)
            {
                if (now >= quorum)
                {
                    _gathered.TrySetResult();
                }

                await _gathered.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            }

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
