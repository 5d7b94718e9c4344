using HilBridge.Fuzz.Driver;
using HilBridge.Fuzz.Targets.Session;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;
using Microsoft.Win32.SafeHandles;

namespace HilBridge.Reliability.Tests.Memory;

/// <summary>
/// Memory tables a guest cannot have, against the real bridge: refused with a clear reason (a failure
/// reply and a logged warning), and the next front-end is served normally.
/// </summary>
public sealed class MemoryTableRefusalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-memtable-").FullName;
    private readonly LogCollector _logs = new();
    private readonly VhostBlkBridge _bridge;
    private readonly string _socket;

    public MemoryTableRefusalTests()
    {
        _socket = Path.Combine(_dir, "vhost.sock");
        _bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = Path.Combine(_dir, "disk.img"), DiskSizeBytes = 1 << 20 }, _logs, TimeProvider.System);
        _bridge.Start(_socket);
    }

    [Fact]
    public void SetMemTable_NoRegions_RefusedWithReasonAndNextFrontendServed()
    {
        var status = SendTable([], []);

        Assert.NotEqual(0UL, status);
        AssertRefusalLogged("it has no regions");
        AssertNextFrontendServed();
    }

    [Fact]
    public void SetMemTable_DevZero_RefusedAsCharacterDeviceAndNextFrontendServed()
    {
        using var zero = File.OpenHandle("/dev/zero", FileMode.Open, FileAccess.ReadWrite);

        var status = SendTable([new MemoryRegionDescription(0x4000_0000, 0x10_0000, 0x7f00_0000_0000, 0)], [zero]);

        Assert.NotEqual(0UL, status);
        AssertRefusalLogged("character device, not guest memory");
        AssertNextFrontendServed();
    }

    private ulong SendTable(MemoryRegionDescription[] regions, SafeFileHandle[] fds)
    {
        using var frontend = VhostUserFrontend.Connect(_socket);
        frontend.ReplyTimeout = TimeSpan.FromSeconds(10);
        frontend.GetFeatures();
        frontend.SetProtocolFeatures(VhostUserProtocolFeatures.ReplyAck);
        frontend.SetOwner(needReply: true);
        return frontend.SetMemTable(regions, fds.Cast<System.Runtime.InteropServices.SafeHandle>().ToArray(), needReply: true);
    }

    private void AssertRefusalLogged(string reason)
    {
        var deadline = Environment.TickCount64 + 5000;
        var seen = new List<LogEntry>();
        while (Environment.TickCount64 < deadline && !seen.Any(Matches))
        {
            seen.AddRange(_logs.Drain());
            Thread.Sleep(10);
        }

        Assert.Contains(seen, Matches);

        bool Matches(LogEntry e) => e.Category == "VhostUserSession" && e.EventId == 8 && e.Message.Contains(reason, StringComparison.Ordinal);
    }

    private void AssertNextFrontendServed()
    {
        using var driver = BlkDriver.Connect(_socket);
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i ^ 0x5a)).ToArray();
        Assert.True(driver.WriteSectors(40, data));
        Assert.Equal(data, driver.ReadSectors(40, data.Length));
    }

    public void Dispose()
    {
        _bridge.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
