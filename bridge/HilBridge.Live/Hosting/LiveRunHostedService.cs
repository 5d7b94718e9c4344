using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Hosting;

/// <summary>Holds the summary of the run once it is over.</summary>
public sealed class LiveRunResult
{
    public RunSummary? Summary { get; set; }
    public Exception? Error { get; set; }
}

/// <summary>Performs one live run, then stops the application.</summary>
public sealed class LiveRunHostedService(LiveRunner runner, IOptions<LiveRunOptions> options, LiveRunResult result, IHostApplicationLifetime lifetime)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            result.Summary = await runner.RunAsync(options.Value, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result.Error = ex;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
