using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HilBridge.Live.Qemu;

/// <summary>Minimal QMP client: capabilities negotiation, then one command at a time.</summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<QmpClient> ConnectAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            var client = new QmpClient(socket);
            await client.ReadMessageAsync(ct); // greeting
            await client.ExecuteAsync("qmp_capabilities", ct);
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command and returns its "return" value; a QMP error becomes a QmpException.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken ct)
    {
        var request = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { execute = command }) + "\n");
        await _stream.WriteAsync(request, ct);
        while (true)
        {
            var message = await ReadMessageAsync(ct);
            if (message["return"] is { } result)
            {
                return result;
            }

            if (message["error"] is { } error)
            {
                throw new QmpException($"QMP {command}: {error["desc"]}");
            }
            // Anything else is an asynchronous event; skip it.
        }
    }

    private async Task<JsonNode> ReadMessageAsync(CancellationToken ct)
    {
        var line = await _reader.ReadLineAsync(ct) ?? throw new QmpException("QMP connection closed");
        return JsonNode.Parse(line) ?? throw new QmpException("QMP sent an empty message");
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}

public sealed class QmpException(string message) : Exception(message);
