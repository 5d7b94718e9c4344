using HilBridge.VhostUser.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
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

    private ControlServer(WebApplication app, ControlEndpoint endpoint, string address, string? token)
    {
        _app = app;
        Endpoint = endpoint;
        Address = address;
        Token = token;
    }

    /// <summary>What a TCP caller must present (<see cref="ControlToken"/>); null on a UNIX socket, which its mode guards.</summary>
    public string? Token { get; }

    public ControlEndpoint Endpoint { get; }

    /// <summary>What a client connects to: the socket path, or http://HOST:PORT (the bound port).</summary>
    public string Address { get; }

    /// <summary>
    /// How long a connection may stay without an active call before it is closed (Kestrel's default is
    /// 130 s), and how long a new one has to send the HTTP/2 preface: peers that connect and stall must
    /// not pile up.
    /// </summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(15);

    public static async Task<ControlServer> StartAsync(ControlEndpoint endpoint, ControlPlane plane, ILoggerFactory loggers, CancellationToken ct, TimeSpan? idleTimeout = null)
    {
        string? token = null;
        if (endpoint is ControlEndpoint.Tcp tcpEndpoint)
        {
            if (!tcpEndpoint.IsLoopback && !tcpEndpoint.AllowRemote)
            {
                throw new ArgumentException($"control plane on {tcpEndpoint.Address} would be reachable from other machines: allow it explicitly (--control-allow-remote)", nameof(endpoint));
            }

            token = ControlToken.Generate();
            if (!tcpEndpoint.IsLoopback)
            {
                loggers.CreateLogger<ControlServer>().LogWarning(
                    "control plane listens on {Address}, beyond loopback: anyone who can reach it and holds the token can drive the bridge, and the traffic is not encrypted",
                    tcpEndpoint.Address);
            }
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // The run's logging, not a second console logger; Kestrel's protocol-error events are counted on the way.
        builder.Services.AddSingleton<ILoggerFactory>(new ProtocolErrorCounting.KestrelEventCounter(loggers, plane.Counters));
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        builder.Services.AddSingleton(plane);
        builder.Services.AddGrpc(o => o.Interceptors.Add<ProtocolErrorCounting.ReachedInterceptor>());
        builder.Services.AddGrpcReflection();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.KeepAliveTimeout = idleTimeout ?? DefaultIdleTimeout;
            switch (endpoint)
            {
                case ControlEndpoint.UnixSocket unix:
                    // A bridge killed hard leaves its socket file behind; a live one keeps it (refused below).
                    UnixSocket.RemoveStale(unix.Path);
                    k.ListenUnixSocket(unix.Path, l => Http2Only(l, plane.Counters, idleTimeout ?? DefaultIdleTimeout));
                    break;
                case ControlEndpoint.Tcp tcp:
                    k.Listen(tcp.Address, tcp.Port, l => Http2Only(l, plane.Counters, idleTimeout ?? DefaultIdleTimeout));
                    break;
            }
        });
        var app = builder.Build();
        app.Use(next => ProtocolErrorCounting.Middleware(next, plane.Counters));
        if (token is not null)
        {
            // Before routing, so reflection and unknown methods are refused too (401 reaches a gRPC client as Unauthenticated).
            app.Use(async (context, next) =>
            {
                if (ControlToken.IsPresentedIn(context.Request, token))
                {
                    await next(context);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            });
        }

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
        return new ControlServer(app, endpoint, address, token);
    }

    private static void Http2Only(ListenOptions listen, ControlPlaneCounters counters, TimeSpan prefaceDeadline)
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.Use(ProtocolErrorCounting.PrefaceCheck(counters, prefaceDeadline));
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
