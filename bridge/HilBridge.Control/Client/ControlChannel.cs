using System.Net.Sockets;
using Grpc.Net.Client;

namespace HilBridge.Control.Client;

/// <summary>
/// A gRPC channel to a control server: "http://HOST:PORT" for TCP, anything else is a UNIX socket path
/// (or a symlink to one, like a run's output-folder control.sock).
/// </summary>
public static class ControlChannel
{
    // sun_path is 108 bytes on Linux, including the terminating NUL.
    private const int MaxSocketPath = 107;

    /// <param name="token">For a TCP server, the token it demands (<see cref="Server.ControlToken"/>), sent with every call.</param>
    public static GrpcChannel Create(string target, string? token = null)
    {
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (token is null)
            {
                return GrpcChannel.ForAddress(target);
            }

            var http = new HttpClient(new SocketsHttpHandler());
            http.DefaultRequestHeaders.TryAddWithoutValidation(Server.ControlToken.Header, Server.ControlToken.Scheme + token);
            return GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpClient = http, DisposeHttpClient = true });
        }

        var path = SocketPath(target);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // The authority is only a header here; the socket decides where the call goes.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>
    /// The path to connect to: a symlink in a deep output folder may be longer than sun_path allows,
    /// while its target (in the short runtime directory) is not.
    /// </summary>
    internal static string SocketPath(string target)
    {
        var path = Path.GetFullPath(target);
        if (System.Text.Encoding.UTF8.GetByteCount(path) <= MaxSocketPath)
        {
            return path;
        }

        var resolved = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName;
        return resolved ?? path;
    }
}
