using HilBridge.Host.Device;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Host.Hosting;

/// <summary>Runs the vhost-user bridge for the lifetime of the host.</summary>
public sealed class BridgeHostedService(BridgeOptions options, string socketPath, IServiceProvider services) : IHostedService, IDisposable
{
    private VhostBlkBridge? _bridge;

    public VhostBlkBridge Bridge => _bridge ?? throw new InvalidOperationException("not started");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _bridge = new VhostBlkBridge(options, services.GetRequiredService<ILoggerFactory>(), services.GetRequiredService<TimeProvider>());
        _bridge.Start(socketPath);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _bridge?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _bridge?.Dispose();
}
