using HilBridge.Host.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Host.Hosting;

/// <summary>Holds the summary of the run once it is over.</summary>
public sealed class LiveRunResult
{
    public RunSummary? Summary { get; set; }
    public Exception? Error { get; set; }
}

/// <summary>Performs one live run, then stops the application.</summary>
public sealed class LiveRunHostedService(LiveRunOptions options, IProgress<string> progress, IServiceProvider services) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var result = services.GetRequiredService<LiveRunResult>();
        try
        {
            var runner = new LiveRunner(options, services.GetRequiredService<ILoggerFactory>(), services.GetRequiredService<TimeProvider>(), progress);
            result.Summary = await runner.RunAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result.Error = ex;
        }
        finally
        {
            services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        }
    }
}
