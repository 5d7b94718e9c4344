using System.Buffers.Binary;
using System.Net.Sockets;

namespace HilBridge.Live.Tests.AtsPort;

/// <summary>
/// A peer on the ATS port written from protos/ats-port.md alone (not from HilBridge's codec): frames
/// are built byte by byte as the document lays them out, so a test can send what no well-behaved SMMU
/// would: wrong lengths, unknown types, tags never issued, split or glued frames, floods. It reads
/// ATC_INV_DONE completions back by the same description.
/// </summary>
internal sealed class HostileSmmu : IDisposable
{
    public const ushort Hello = 0x0001, AtcInv = 0x0002, Ste = 0x0003, Sync = 0x0004, AtcInvTimeout = 0x0005, AtcInvDone = 0x0081;

    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private HostileSmmu(Socket socket) => _socket = socket;

    public static HostileSmmu Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new HostileSmmu(socket);
    }

    /// <summary>Header (type, flags, length, little-endian) and payload, as the document's framing section draws it.</summary>
    public static byte[] Frame(ushort type, ReadOnlySpan<byte> payload, ushort flags = 0, uint? length = null)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(frame, type);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), length ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }

    public static byte[] HelloFrame(uint timeoutMs = 1000) => Frame(Hello, U32s(1, timeoutMs, 64, 0));

    /// <summary>ATC_INV: tag, sid, ssid, size, flags, reserved, addr, length.</summary>
    public static byte[] AtcInvFrame(uint tag, uint sid, ulong address, ulong length, byte size = 0)
    {
        var p = new byte[32];
        BinaryPrimitives.WriteUInt32LittleEndian(p, tag);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), sid);
        p[12] = size;
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(16), address);
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(24), length);
        return Frame(AtcInv, p);
    }

    public static byte[] TimeoutFrame(uint tag, uint sid) => Frame(AtcInvTimeout, U32s(tag, sid));

    public static byte[] SyncFrame(uint lastTag, uint error) => Frame(Sync, U32s(lastTag, error, 0, 0));

    public static byte[] U32s(params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    public void Send(byte[] bytes) => _socket.Send(bytes);

    /// <summary>One byte per write: the receiver must reassemble any split.</summary>
    public void Dribble(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            _socket.Send([b]);
        }
    }

    /// <summary>
    /// The <paramref name="expected"/> completions, waited for as long as a loaded machine needs (30 s
    /// without a byte is a hang), then any more that come within <paramref name="quiet"/>: a test asserts the
    /// whole list. One short window for both would fail a correct port whose answers came late.
    /// </summary>
    public List<(uint Tag, uint Status)> ReadDonesThenQuiet(int expected, TimeSpan quiet)
    {
        var dones = ReadDones(expected, TimeSpan.FromSeconds(30));
        if (dones.Count == expected)
        {
            dones.AddRange(ReadDones(1, quiet));
        }

        return dones;
    }

    /// <summary>Reads completions (tag, status) until <paramref name="count"/> came or <paramref name="quiet"/> passed without a byte.</summary>
    public List<(uint Tag, uint Status)> ReadDones(int count, TimeSpan quiet)
    {
        var dones = new List<(uint, uint)>();
        var buffer = new byte[4096];
        _socket.ReceiveTimeout = (int)quiet.TotalMilliseconds;
        while (dones.Count < count)
        {
            while (_received.Count >= 8 && _received.Count >= 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(_received.GetRange(4, 4).ToArray()))
            {
                var header = _received.GetRange(0, 8).ToArray();
                var type = BinaryPrimitives.ReadUInt16LittleEndian(header);
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                var payload = _received.GetRange(8, length).ToArray();
                _received.RemoveRange(0, 8 + length);
                Assert.Equal(AtcInvDone, type);
                Assert.Equal(8, length);
                dones.Add((BinaryPrimitives.ReadUInt32LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(4))));
                if (dones.Count == count)
                {
                    return dones;
                }
            }

            int n;
            try
            {
                n = _socket.Receive(buffer);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return dones;
            }

            if (n == 0)
            {
                return dones;
            }

            _received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return dones;
    }

    public bool IsClosedByPeer(TimeSpan timeout)
    {
        _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                if (_socket.Receive(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.ConnectionReset;
        }
    }

    public void Dispose() => _socket.Dispose();
}
