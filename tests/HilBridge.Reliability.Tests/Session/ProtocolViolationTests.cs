using System.Buffers.Binary;
using HilBridge.Fuzz.Driver;
using HilBridge.Fuzz.Targets.Session;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Reliability.Tests.Session;

/// <summary>
/// Each kind of protocol violation against the real bridge: the connection is closed with a clear,
/// logged reason, and the next front-end is served as if nothing had happened.
/// </summary>
public sealed class ProtocolViolationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hb-violation-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly LogCollector _logs = new();
    private readonly VhostBlkBridge _bridge;
    private readonly string _socket;

    public ProtocolViolationTests()
    {
        Directory.CreateDirectory(_dir);
        _socket = Path.Combine(_dir, "vhost.sock");
        _bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = Path.Combine(_dir, "disk.img"), DiskSizeBytes = 1 << 20 }, _logs, TimeProvider.System);
        _bridge.Start(_socket);
    }

    public static TheoryData<string, byte[], int, string> Violations() => new()
    {
        { "version 0", Message(1, 0x0, []), 0, "unsupported version 0" },
        { "reply flag on a request", Message(1, 0x5, []), 0, "reply flag set" },
        { "reserved flag bits", Message(1, 0x101, []), 0, "reserved flag bits" },
        { "payload larger than any message", Header(22, 0x9, 0x10000), 0, "exceeds the limit" },
        { "nine memory regions", MemTable(9), 0, "at most 8 allowed" },
        { "memory region without its fd", MemTable(1), 0, "expected 1 fds, got 0" },
        { "payload on a request that has none", Message(1, 0x1, new byte[8]), 0, "payload must be 0 bytes" },
        { "nine fds on one message", Message(3, 0x1, []), 9, "more than 8 fds" },
        { "IOTLB message of 31 bytes", Message(22, 0x9, new byte[31]), 0, "IOTLB message" },
        { "vring file with reserved bits", Message(12, 0x1, BitConverter.GetBytes(0x1_0000UL)), 0, "reserved bits" },
        { "config access of 4 KiB", Config(4096), 0, "exceeds 256" },
        { "header cut short", [1, 0, 0, 0, 1, 0], 0, "mid-message" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Session_Violation_ClosedWithReasonAndBridgeKeepsServing(string what, byte[] bytes, int fds, string reason)
    {
        using (var connection = new VhostUserEndpoint(UnixSocket.Connect(_socket)))
        {
            connection.SetReceiveTimeout(TimeSpan.FromSeconds(10));
            using var eventFd = EventFd.Create();
            RawWire.Send(connection.Socket, bytes, Enumerable.Repeat(eventFd.Handle.DangerousFd, fds).ToArray());
            RawWire.ShutdownWrite(connection.Socket);

            // The bridge answers nothing and closes.
            Assert.False(connection.TryReceive(out _, out _, out var received), $"{what}: the bridge replied instead of closing");
            received.Dispose();
        }

        var fault = WaitForFault();
        Assert.True(fault is not null, $"{what}: no protocol error was logged");
        Assert.Contains(reason, fault, StringComparison.Ordinal);

        using var driver = BlkDriver.Connect(_socket);
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i ^ bytes.Length)).ToArray();
        Assert.True(driver.WriteSectors(16, data));
        Assert.Equal(data, driver.ReadSectors(16, data.Length));
    }

    private string? WaitForFault()
    {
        var deadline = Environment.TickCount64 + 5000;
        var seen = new List<LogEntry>();
        while (Environment.TickCount64 < deadline)
        {
            seen.AddRange(_logs.Drain());
            if (seen.FirstOrDefault(e => e.Category == "VhostUserSession" && e.EventId == 3) is { Message: { } message })
            {
                return message;
            }

            Thread.Sleep(10);
        }
        return null;
    }

    private static byte[] Header(uint request, uint flags, uint size)
    {
        var b = new byte[VhostUserHeader.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, request);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), size);
        return b;
    }

    private static byte[] Message(uint request, uint flags, byte[] payload) => [.. Header(request, flags, (uint)payload.Length), .. payload];

    private static byte[] MemTable(int regions)
    {
        var payload = new byte[MemoryTableMessage.LengthFor(regions)];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)regions);
        for (var i = 0; i < regions; i++)
        {
            new MemoryRegionDescription(0x4000_0000 + (ulong)i * 0x10_0000, 0x10_0000, 0x7f00_0000_0000 + (ulong)i * 0x10_0000, 0).Write(payload.AsSpan(MemoryTableMessage.HeaderLength + i * MemoryRegionDescription.Length));
        }

        return Message(5, 0x1, payload);
    }

    private static byte[] Config(int size)
    {
        var payload = new byte[ConfigHeader.Length + size];
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), (uint)size);
        return Message(24, 0x1, payload);
    }

    public void Dispose()
    {
        _bridge.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
