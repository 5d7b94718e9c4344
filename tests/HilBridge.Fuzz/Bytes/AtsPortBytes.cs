using System.Buffers.Binary;
using HilBridge.Live.AtsPort;

namespace HilBridge.Fuzz.Bytes;

/// <summary>
/// The ATS port's receive path on a hostile byte stream: the bytes arrive in chunks of the sizes the
/// input's first byte chooses, are framed by <see cref="AtsPortFrameBuffer"/> and dispatched by
/// <see cref="AtsPortDispatcher"/> exactly as the server's read loop does. Oracles, from the protocol
/// description (8-byte header: type, flags, length; payload of length bytes, at most 248): the
/// messages handed out are exactly those a plain walk of the stream finds, in order, with their
/// payloads; an oversized length is refused with <see cref="AtsPortProtocolException"/> at that
/// header and nowhere else; every message becomes exactly one handler call, and a known type gets
/// its typed call exactly when its payload is long enough.
/// </summary>
internal static class AtsPortBytes
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var chunkSeed = input[0];
        var stream = input[1..].ToArray();
        var expected = Walk(stream, out var refusedAt);
        var handler = new RecordingHandler();
        var frames = new AtsPortFrameBuffer();
        var fed = 0;
        var chunk = 0;
        int? refused = null;
        try
        {
            while (fed < stream.Length)
            {
                var size = Math.Min(stream.Length - fed, 1 + ((chunkSeed * 31 + chunk++ * 17) % 97));
                var free = frames.FreeSpace();
                size = Math.Min(size, free.Length);
                stream.AsSpan(fed, size).CopyTo(free.Span);
                frames.Advance(size);
                fed += size;
                while (frames.TryRead(out var header, out var payload))
                {
                    handler.Frames.Add((header, payload.ToArray()));
                    AtsPortDispatcher.Dispatch(header, payload, handler);
                }
            }
        }
        catch (AtsPortProtocolException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            refused = handler.Frames.Count;
        }

        if (refused != refusedAt)
        {
            throw new ByteFindingException("atsport", $"refused after {refused?.ToString() ?? "no"} messages; the stream has an oversized header after {refusedAt?.ToString() ?? "none"}");
        }

        if (handler.Frames.Count != expected.Count)
        {
            throw new ByteFindingException("atsport", $"{handler.Frames.Count} messages handed out, the stream holds {expected.Count}");
        }

        for (var i = 0; i < expected.Count; i++)
        {
            var (header, payload) = handler.Frames[i];
            if (header != expected[i].Header || !payload.AsSpan().SequenceEqual(expected[i].Payload))
            {
                throw new ByteFindingException("atsport", $"message {i} differs from the stream's");
            }
        }

        if (handler.Calls.Count != expected.Count)
        {
            throw new ByteFindingException("atsport", $"{handler.Calls.Count} handler calls for {expected.Count} messages");
        }

        for (var i = 0; i < expected.Count; i++)
        {
            var typed = TypedCall(expected[i].Header.Type, expected[i].Payload.Length);
            if (handler.Calls[i] != typed)
            {
                throw new ByteFindingException("atsport", $"message {i} ({expected[i].Header.Type}, {expected[i].Payload.Length} bytes) became {handler.Calls[i]}, not {typed}");
            }
        }
    }

    /// <summary>The protocol description's framing, written plainly: messages up to the first oversized header.</summary>
    private static List<(AtsPortHeader Header, byte[] Payload)> Walk(byte[] stream, out int? refusedAt)
    {
        var messages = new List<(AtsPortHeader, byte[])>();
        refusedAt = null;
        var at = 0;
        while (stream.Length - at >= 8)
        {
            var type = BinaryPrimitives.ReadUInt16LittleEndian(stream.AsSpan(at));
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(stream.AsSpan(at + 2));
            var length = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(at + 4));
            if (length > 248)
            {
                refusedAt = messages.Count;
                break;
            }

            if (stream.Length - at - 8 < length)
            {
                break;
            }

            messages.Add((new AtsPortHeader((AtsPortMessageType)type, flags, length), stream.AsSpan(at + 8, (int)length).ToArray()));
            at += 8 + (int)length;
        }
        return messages;
    }

    private static string TypedCall(AtsPortMessageType type, int length) => (type, length) switch
    {
        (AtsPortMessageType.Hello, >= 16) => "hello",
        (AtsPortMessageType.AtcInvalidate, >= 32) => "atc-inv",
        (AtsPortMessageType.Ste, >= 8) => "ste",
        (AtsPortMessageType.Sync, >= 16) => "sync",
        (AtsPortMessageType.AtcInvalidateTimeout, >= 8) => "timeout",
        _ => "malformed",
    };

    private sealed class RecordingHandler : IAtsPortHandler
    {
        public List<(AtsPortHeader, byte[])> Frames { get; } = [];
        public List<string> Calls { get; } = [];

        public void OnConnected() => Calls.Add("connected");
        public void OnHello(in AtsPortHello hello) => Calls.Add("hello");
        public void OnAtcInvalidate(in AtcInvalidation invalidation) => Calls.Add("atc-inv");
        public void OnSte(in SteState ste) => Calls.Add("ste");
        public void OnSync(in SyncReport sync) => Calls.Add("sync");
        public void OnTimeout(in AtcInvalidationTimeout timeout) => Calls.Add("timeout");
        public void OnMalformed(string reason) => Calls.Add(string.IsNullOrWhiteSpace(reason) ? "malformed without a reason" : "malformed");
        public void OnDisconnected(string reason) => Calls.Add("disconnected");
    }
}
