using System.Diagnostics;
using HilBridge.Live.Guest;
using HilBridge.Live.Run;

namespace HilBridge.Live.Soak;

/// <summary>
/// Lives beside one guest run of a soak: once the guest's workload has started, switches the bridge's
/// fault policy epoch after epoch; counts what the guest reports; samples the process's memory.
/// </summary>
internal sealed class SoakController(SoakPolicies policies, SoakTally tally, RssSampler rss, Stopwatch clock, TimeSpan sampleInterval) : ILiveRunExtension
{
    public Task<IAsyncDisposable> StartAsync(LiveRunContext context, CancellationToken ct)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReport(GuestReport report)
        {
            tally.OnReport(report, clock.Elapsed);
            if (report.Kind == "start")
            {
                started.TrySetResult();
            }
        }
        context.GuestReported += OnReport;
        var epochs = RunEpochsAsync(context, started.Task, stop.Token);
        var sampling = SampleAsync(started.Task, stop.Token);
        return Task.FromResult<IAsyncDisposable>(new Stopper(async () =>
        {
            stop.Cancel();
            context.GuestReported -= OnReport;
            await Task.WhenAll(Quiet(epochs), Quiet(sampling));
            stop.Dispose();
        }));
    }

    private async Task RunEpochsAsync(LiveRunContext context, Task started, CancellationToken ct)
    {
        // Faults during boot would only stop the guest before its workload: start healthy.
        await started.WaitAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            var epoch = policies.Next();
            context.Bridge.SetPolicy(epoch.Policy);
            tally.OnEpoch(epoch, clock.Elapsed);
            context.Progress.Report($"soak {clock.Elapsed:hh\\:mm\\:ss}: {epoch.Kind} for {epoch.Length.TotalSeconds:F0} s ({epoch.Description})");
            await Task.Delay(epoch.Length, ct);
        }
    }

    private async Task SampleAsync(Task started, CancellationToken ct)
    {
        // From the workload's start: boot and JIT warm-up are not the bridge's steady state.
        await started.WaitAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            rss.Sample(clock.Elapsed);
            await Task.Delay(sampleInterval, ct);
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class Stopper(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }
}
