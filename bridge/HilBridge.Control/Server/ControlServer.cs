using HilBridge.VhostUser.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Control.Server;

/// <summary>
/// The gRPC control server: Kestrel, HTTP/2 only (plaintext gRPC), on a UNIX socket made 0600 or on a
/// TCP address, with server reflection so grpcurl and friends can explore it. Hosted inside whatever
/// process runs the bridge; its lifetime is the caller's (no signal handling of its own).
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlServer(WebApplication app, ControlEndpoint endpoint, string address)
    {
        _app = app;
        Endpoint = endpoint;
        Address = address;
    }

    public ControlEndpoint Endpoint { get; }

    /// <summary>What a client connects to: the socket path, or http://HOST:PORT (the bound port).</summary>
    public string Address { get; }

    public static async Task<ControlServer> StartAsync(ControlEndpoint endpoint, ControlPlane plane, ILoggerFactory loggers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers); // the run's logging, not a second console logger
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        builder.Services.AddSingleton(plane);
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.WebHost.ConfigureKestrel(k =>
        {
            switch (endpoint)
            {
                case ControlEndpoint.UnixSocket unix:
                    // A bridge killed hard leaves its socket file behind; a live one keeps it (refused below).
                    UnixSocket.RemoveStale(unix.Path);
                    k.ListenUnixSocket(unix.Path, l => l.Protocols = HttpProtocols.Http2);
                    break;
                case ControlEndpoint.Tcp tcp:
                    k.Listen(tcp.Address, tcp.Port, l => l.Protocols = HttpProtocols.Http2);
                    break;
            }
        });
        var app = builder.Build();
        app.MapGrpcService<ControlService>();
        app.MapGrpcReflectionService();
        await app.StartAsync(ct);

        string address;
        if (endpoint is ControlEndpoint.UnixSocket socket)
        {
            // Kestrel creates the socket with the umask's mode; only the run's user may drive the bridge.
            File.SetUnixFileMode(socket.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            address = socket.Path;
        }
        else
        {
            address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no address");
        }
        return new ControlServer(app, endpoint, address);
    }

    public async ValueTask DisposeAsync()
    {
        // Streams (events) end when their broadcaster completes; give calls in flight a moment.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync();
        if (Endpoint is ControlEndpoint.UnixSocket socket)
        {
            File.Delete(socket.Path);
        }
    }

    /// <summary>The bridge's process decides when to stop; Ctrl+C belongs to it, not to this embedded server.</summary>
    private sealed class CallerOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
