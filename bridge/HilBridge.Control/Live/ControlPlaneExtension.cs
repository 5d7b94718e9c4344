using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Live.Run;
using Microsoft.Extensions.Logging;

namespace HilBridge.Control.Live;

/// <summary>
/// Hosts the gRPC control server for one live run and carries out the scenario's control actions
/// through it. The server's address is published in the run's output folder: a control.sock symlink
/// to the UNIX socket, or a control.address file holding the TCP URL.
/// </summary>
public sealed class ControlPlaneExtension(ControlPlaneOptions options) : ILiveRunExtension
{
    public const string SocketLinkName = "control.sock";
    public const string AddressFileName = "control.address";

    /// <summary>The TCP server's token (0600), beside control.address.</summary>
    public const string TokenFileName = "control.token";

    /// <summary>Adds the control plane to a live run.</summary>
    public static void AddTo(LiveRunOptions run, ControlPlaneOptions options) => run.Extensions.Add(new ControlPlaneExtension(options));

    public async Task<IAsyncDisposable> StartAsync(LiveRunContext context, CancellationToken ct)
    {
        var loggers = context.Loggers;
        var logger = loggers.CreateLogger<ControlPlaneExtension>();
        var device = new ControlDevice(options.DeviceName, context.Bridge, context.Scenario.Engine.InvalidationTimeout);
        var run = new RunProgress(context.Scenario.Name, context.OutputDirectory);
        context.GuestReported += run.Observe;
        context.GuestReported += device.ObserveGuest;
        var recording = options.Recording?.Invoke(context) ?? new SegmentRecording(context, TimeProvider.System);
        var plane = new ControlPlane([device], run, recording, DateTimeOffset.UtcNow);
        var endpoint = options.Endpoint ?? new ControlEndpoint.UnixSocket(Path.Combine(context.RuntimeDirectory, "control.sock"));
        ControlServer? server = null;
        string? published = null;
        try
        {
            server = await ControlServer.StartAsync(endpoint, plane, loggers, ct);
            published = Publish(context.OutputDirectory, server);
            context.Progress.Report($"control: gRPC on {server.Address} ({published})");
            var actions = context.Scenario.Control.Count > 0 ? new ControlActionRunner(context, server.Address, server.Token, logger) : null;
            return new Running(context, run, device, server, actions, recording, published);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (published is not null)
            {
                File.Delete(published);
            }

            context.GuestReported -= run.Observe;
            context.GuestReported -= device.ObserveGuest;
            device.Dispose();
            (recording as IDisposable)?.Dispose();
            throw;
        }
    }

    private static string Publish(string outputDirectory, ControlServer server)
    {
        if (server.Endpoint is ControlEndpoint.UnixSocket socket)
        {
            var link = Path.Combine(outputDirectory, SocketLinkName);
            File.Delete(link);
            File.CreateSymbolicLink(link, socket.Path);
            return link;
        }
        // The token first: a client that sees the address can also read what it must present.
        ControlToken.Write(Path.Combine(outputDirectory, TokenFileName), server.Token!);
        var file = Path.Combine(outputDirectory, AddressFileName);
        File.WriteAllText(file, server.Address + "\n");
        return file;
    }

    private sealed class Running(LiveRunContext context, RunProgress run, ControlDevice device, ControlServer server, ControlActionRunner? actions,
        IRecordingControl recording, string published) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (actions is not null)
            {
                await actions.DisposeAsync();
            }

            context.GuestReported -= run.Observe;
            context.GuestReported -= device.ObserveGuest;
            device.Dispose(); // ends event streams, so the server stops without waiting for them
            await server.DisposeAsync();
            (recording as IDisposable)?.Dispose(); // closes a segment still recording
            File.Delete(published); // a dangling link or stale address would mislead the next ctl
            File.Delete(Path.Combine(Path.GetDirectoryName(published)!, TokenFileName));
        }
    }
}
