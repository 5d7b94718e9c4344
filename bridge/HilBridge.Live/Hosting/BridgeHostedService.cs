using HilBridge.Live.Device;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Hosting;

/// <summary>Runs the vhost-user bridge for the lifetime of the host.</summary>
public sealed class BridgeHostedService(IOptions<ServeOptions> options, ILoggerFactory loggers, TimeProvider time) : IHostedService, IDisposable
{
    private VhostBlkBridge? _bridge;

    public VhostBlkBridge Bridge => _bridge ?? throw new InvalidOperationException("not started");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _bridge = new VhostBlkBridge(options.Value.Bridge, loggers, time);
        _bridge.Start(options.Value.Socket);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _bridge?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _bridge?.Dispose();
}
