using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Live.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HilBridge.Control.Hosting;

/// <summary>
/// The gRPC control plane for a long-running bridge (`hilbridge serve`): the same service a live run
/// hosts, minus the run (there is none) and recording (serve writes no trace). Starts after the bridge.
/// </summary>
public sealed class ControlPlaneHostedService(
    BridgeHostedService bridge, IOptions<ServeOptions> serve, IOptions<ServeControlPlaneOptions> options, ILoggerFactory loggers) : IHostedService
{
    private ControlDevice? _device;
    private ControlServer? _server;

    /// <summary>Where clients connect; null before the host started.</summary>
    public string? Address => _server?.Address;

    /// <summary>The configured endpoint, else the UNIX socket beside the vhost-user socket.</summary>
    public ControlEndpoint Endpoint => options.Value.Endpoint
        ?? new ControlEndpoint.UnixSocket(Path.ChangeExtension(serve.Value.Socket, null) + ".control.sock");

    /// <summary>Where a TCP control plane's token is written (0600): beside the vhost-user socket.</summary>
    public string TokenPath => Path.ChangeExtension(serve.Value.Socket, null) + ".control.token";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _device = new ControlDevice(options.Value.DeviceName, bridge.Bridge, serve.Value.Bridge.Engine.InvalidationTimeout);
        var plane = new ControlPlane([_device], run: null, new UnavailableRecording("hilbridge serve records no trace"), DateTimeOffset.UtcNow);
        _server = await ControlServer.StartAsync(Endpoint, plane, loggers, cancellationToken);
        if (_server.Token is { } token)
        {
            ControlToken.Write(TokenPath, token);
            loggers.CreateLogger<ControlPlaneHostedService>().LogInformation("control plane: gRPC on {Address}, token in {TokenFile} (ctl --token-file)", _server.Address, TokenPath);
        }
        else
        {
            loggers.CreateLogger<ControlPlaneHostedService>().LogInformation("control plane: gRPC on {Address}", _server.Address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _device?.Dispose(); // ends event streams, so the server stops without waiting for them
        if (_server is not null)
        {
            await _server.DisposeAsync();
            if (_server.Token is not null)
            {
                File.Delete(TokenPath);
            }
        }
    }
}
