using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using HilBridge.Control.Client;
using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Control.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Tests.Server;

/// <summary>
/// A hostile caller on the control socket, written from the HTTP/2 and gRPC-over-HTTP/2 wire
/// descriptions (connection preface, 9-byte frame headers; a gRPC message is a 1-byte compressed flag,
/// a 4-byte big-endian length and the protobuf bytes): junk instead of HTTP/2, bad frames, undecodable
/// and oversized messages, unknown methods, floods. The server survives, counts each in
/// Status.control.protocol_errors, and a well-behaved client is served after all of it.
/// </summary>
public sealed class HostileControlClientTests
{
    private const string GetStatusPath = "/hilbridge.control.v1.Control/GetStatus";
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Theory]
    [InlineData("http1")]
    [InlineData("junk")]
    [InlineData("bad-settings")]
    [InlineData("huge-frame")]
    public async Task NotHttp2OrBadFrames_ConnectionDroppedAndCounted_ServerServesOn(string kind)
    {
        await using var server = await Server.StartAsync();
        byte[] bytes = kind switch
        {
            "http1" => "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(),
            "junk" => [.. Enumerable.Range(0, 200).Select(i => (byte)(i * 73))],
            // SETTINGS whose length is no multiple of 6: FRAME_SIZE_ERROR.
            "bad-settings" => [.. Preface, 0, 0, 5, 0x4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5],
            // A DATA frame far over the default maximum frame size (16 KiB) on stream 0.
            _ => [.. Preface, 0, 0, 0, 0x4, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0, 0, 0, 0, 0, 0],
        };
        using (var socket = Server.ConnectRaw(server.Address))
        {
            socket.Send(bytes);
            Assert.True(ClosedByPeer(socket), "the server drops the connection");
        }

        Assert.Equal(1, (await Server.StatusWhenAsync(server.Address, s => s.Control.ProtocolErrors >= 1)).Control.ProtocolErrors);
    }

    [Fact]
    public async Task StalledBeforeThePreface_DroppedAtTheDeadline_OthersServedMeanwhile()
    {
        await using var server = await Server.StartAsync(idleTimeout: TimeSpan.FromSeconds(1));
        using var stalled = Server.ConnectRaw(server.Address);
        stalled.Send(Preface.AsSpan(0, 3).ToArray()); // the preface's first bytes, then nothing

        Assert.Equal(0, (await Server.StatusAsync(server.Address)).Control.ProtocolErrors);
        Assert.True(ClosedByPeer(stalled), "the stalled connection is dropped");
        Assert.Equal(1, (await Server.StatusWhenAsync(server.Address, s => s.Control.ProtocolErrors >= 1)).Control.ProtocolErrors);
    }

    [Theory]
    [InlineData("length-beyond-limit")]
    [InlineData("compressed-without-encoding")]
    [InlineData("truncated")]
    [InlineData("not-protobuf")]
    [InlineData("unknown-method")]
    [InlineData("not-grpc")]
    public async Task MalformedCall_RefusedAndCounted_ServiceErrorsAreNot(string kind)
    {
        await using var server = await Server.StartAsync();
        using var http = Server.Http(server.Address);

        var (status, grpcStatus) = await SendCall(http, kind);

        Assert.True(status != HttpStatusCode.OK || grpcStatus is not ("0" or ""), $"{kind}: HTTP {status}, grpc-status {grpcStatus}");
        // A call the service itself refuses (an unknown device) is an answer, not a protocol error.
        using var channel = ControlChannel.Create(server.Address);
        var client = new Proto.Control.ControlClient(channel);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await client.GetCountersAsync(new Proto.GetCountersRequest { Device = "nope" }));
        Assert.Equal(1, (await Server.StatusWhenAsync(server.Address, s => s.Control.ProtocolErrors >= 1)).Control.ProtocolErrors);
    }

    [Fact]
    public async Task Flood_JunkConnectionsAndMalformedCalls_AllCounted_WellBehavedClientServed()
    {
        const int junkConnections = 100, malformedCalls = 300;
        await using var server = await Server.StartAsync();
        using var http = Server.Http(server.Address);
        var junk = Enumerable.Range(0, junkConnections).Select(i => Task.Run(() =>
        {
            using var socket = Server.ConnectRaw(server.Address);
            socket.Send([.. Enumerable.Range(0, 64).Select(j => (byte)(i + j * 31))]);
            ClosedByPeer(socket);
        }));
        var calls = Enumerable.Range(0, malformedCalls).Select(i => SendCall(http, i % 2 == 0 ? "not-protobuf" : "unknown-method"));
        await Task.WhenAll(junk);
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.NotEqual("0", r.GrpcStatus));
        var status = await Server.StatusWhenAsync(server.Address, s => s.Control.ProtocolErrors >= junkConnections + malformedCalls);
        Assert.Equal(junkConnections + malformedCalls, status.Control.ProtocolErrors);
        Assert.Single(status.Devices);
    }

    [Fact]
    public async Task TcpWithoutToken_RefusedAndCountedApart()
    {
        using var bridge = new TestBridge();
        using var device = new ControlDevice("hbdev", bridge.Bridge, TimeSpan.FromSeconds(1));
        var plane = new ControlPlane([device], run: null, new UnavailableRecording("test"), DateTimeOffset.UtcNow);
        await using var server = await ControlServer.StartAsync(new ControlEndpoint.Tcp(IPAddress.Loopback, 0), plane, NullLoggerFactory.Instance, CancellationToken.None);
        using var anonymous = ControlChannel.Create(server.Address);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await new Proto.Control.ControlClient(anonymous).GetStatusAsync(new Proto.GetStatusRequest()));

        using var channel = ControlChannel.Create(server.Address, server.Token);
        var status = await new Proto.Control.ControlClient(channel).GetStatusAsync(new Proto.GetStatusRequest());
        Assert.Equal(1, status.Control.Unauthenticated);
        Assert.Equal(0, status.Control.ProtocolErrors);
    }

    /// <summary>One crafted gRPC call over HTTP/2; returns the HTTP status and the grpc-status (headers or trailers).</summary>
    private static async Task<(HttpStatusCode Status, string GrpcStatus)> SendCall(HttpClient http, string kind)
    {
        var path = kind == "unknown-method" ? "/hilbridge.control.v1.Control/Nope" : GetStatusPath;
        byte[] body = kind switch
        {
            "length-beyond-limit" => Message(0, 0xffff_fff0u, []),
            "compressed-without-encoding" => Message(1, 4, [1, 2, 3, 4]),
            "truncated" => Message(0, 10, [0x0a, 0x01]),
            "not-protobuf" => Message(0, 6, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            _ => Message(0, 0, []),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost" + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(kind == "not-grpc" ? "text/plain" : "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var grpc = response.Headers.TryGetValues("grpc-status", out var h) ? h.First()
            : response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.First() : "";
        return (response.StatusCode, grpc);
    }

    private static byte[] Message(byte compressed, uint length, byte[] payload)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), length);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    private static bool ClosedByPeer(Socket socket)
    {
        socket.ReceiveTimeout = 10_000;
        var buffer = new byte[4096];
        try
        {
            while (socket.Receive(buffer) > 0)
            {
                // GOAWAY or an error page first; the close follows.
            }

            return true;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode is SocketError.ConnectionReset;
        }
    }

    /// <summary>A control server on a UNIX socket over a real bridge, and clients for it.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly TestBridge _bridge;
        private readonly ControlDevice _device;
        private readonly ControlServer _server;

        private Server(TestBridge bridge, ControlDevice device, ControlServer server)
        {
            _bridge = bridge;
            _device = device;
            _server = server;
        }

        public string Address => _server.Address;

        public static async Task<Server> StartAsync(TimeSpan? idleTimeout = null)
        {
            var bridge = new TestBridge();
            var device = new ControlDevice("hbdev", bridge.Bridge, TimeSpan.FromSeconds(1));
            var plane = new ControlPlane([device], run: null, new UnavailableRecording("test"), DateTimeOffset.UtcNow);
            var server = await ControlServer.StartAsync(new ControlEndpoint.UnixSocket(Path.Combine(bridge.Directory, "control.sock")), plane, NullLoggerFactory.Instance, CancellationToken.None, idleTimeout);
            return new Server(bridge, device, server);
        }

        public static Socket ConnectRaw(string path)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }

        public static HttpClient Http(string path) => new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });

        public static async Task<Proto.Status> StatusAsync(string path)
        {
            using var channel = ControlChannel.Create(path);
            return await new Proto.Control.ControlClient(channel).GetStatusAsync(new Proto.GetStatusRequest());
        }

        /// <summary>
        /// The status once <paramref name="condition"/> holds (or after 10 s): a refused call's count comes
        /// after its response, which the client may have read already.
        /// </summary>
        public static async Task<Proto.Status> StatusWhenAsync(string path, Func<Proto.Status, bool> condition)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                var status = await StatusAsync(path);
                if (condition(status) || DateTime.UtcNow > deadline)
                {
                    return status;
                }

                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            _device.Dispose();
            _bridge.Dispose();
        }
    }
}
