using HilBridge.Fuzz.Driver;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Reliability.Tests.Device;

/// <summary>
/// INFLIGHT_SHMFD without QEMU: a request is stuck mid-flight (its data page waits for an IOTLB miss
/// nobody answers) when the connection drops or the bridge is replaced; the next connection, handed
/// the same inflight area, must run it again, however wrong SET_VRING_BASE is.
/// </summary>
public sealed class InflightResubmitTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hb-inflight-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly BridgeOptions _options;

    public InflightResubmitTests()
    {
        Directory.CreateDirectory(_dir);
        _options = new BridgeOptions { DiskImage = Path.Combine(_dir, "disk.img"), DiskSizeBytes = 1 << 20, MissTimeout = TimeSpan.FromSeconds(20) };
        SocketPath = Path.Combine(_dir, "vhost.sock");
    }

    private string SocketPath { get; }

    [Fact]
    public void Reconnect_RequestInFlightWhenConnectionDropped_ResubmittedFromTheInflightArea()
    {
        using var bridge = Start();
        using var driver = BlkDriver.Connect(SocketPath, useInflight: true, preMap: false);
        var stuck = StickARequest(driver);

        driver.Disconnect();
        // As if the dead back-end had reported the request consumed: only the inflight area can save it.
        driver.Reconnect(SocketPath, ringBase: driver.AvailIndex);

        Assert.True(driver.WaitAll(TimeSpan.FromSeconds(10)), "the in-flight request never completed");
        Assert.Equal(0, driver.Status(1));
        Assert.Equal(1, bridge.Statistics().RequestsResubmitted);
        Assert.Equal(stuck, driver.ReadSectors(8, stuck.Length));
    }

    [Fact]
    public void Reconnect_BridgeReplacedWithRequestInFlight_NewBridgeResubmitsIt()
    {
        var bridge = Start();
        using var driver = BlkDriver.Connect(SocketPath, useInflight: true, preMap: false);
        var stuck = StickARequest(driver);

        bridge.Dispose();
        using var second = Start();
        driver.Reconnect(SocketPath, ringBase: driver.AvailIndex);

        Assert.True(driver.WaitAll(TimeSpan.FromSeconds(10)), "the in-flight request never completed");
        Assert.Equal(0, driver.Status(1));
        Assert.Equal(1, second.Statistics().RequestsResubmitted);
        Assert.Equal(stuck, driver.ReadSectors(8, stuck.Length));
    }

    [Fact]
    public void Reconnect_WithoutInflightAreaAndAWrongBase_RequestIsLost()
    {
        // The control experiment: the same drop without INFLIGHT_SHMFD, trusting SET_VRING_BASE, loses the request.
        using var bridge = Start();
        using var driver = BlkDriver.Connect(SocketPath, useInflight: false, preMap: false);
        StickARequest(driver);

        driver.Disconnect();
        driver.Reconnect(SocketPath, ringBase: driver.AvailIndex);

        Assert.False(driver.WaitAll(TimeSpan.FromSeconds(1)));
        Assert.Equal(0, bridge.Statistics().RequestsResubmitted);
    }

    [Fact]
    public void Reconnect_NothingInFlight_NothingResubmittedAndIoContinues()
    {
        using var bridge = Start();
        using var driver = BlkDriver.Connect(SocketPath, useInflight: true, preMap: true);
        var data = Pattern(4096, 3);
        Assert.True(driver.WriteSectors(0, data));

        driver.Reconnect(SocketPath);

        Assert.Equal(data, driver.ReadSectors(0, data.Length));
        Assert.Equal(0, bridge.Statistics().RequestsResubmitted);
    }

    /// <summary>One request completes; a second (a write to sector 8) is left waiting for a miss on its data page.</summary>
    private static byte[] StickARequest(BlkDriver driver)
    {
        Assert.True(driver.WriteSectors(0, Pattern(4096, 1)), "the first request failed");
        var stuck = Pattern(4096, 2);
        driver.Submit(1, 1, 8, stuck.Length, stuck);
        // The device asks for the data page's translation; QEMU "hangs" and never answers.
        var deadline = Environment.TickCount64 + 5000;
        var missed = false;
        while (!missed && Environment.TickCount64 < deadline)
        {
            if (driver.Frontend.TryReceiveBackendMessage(50, out _, out var miss) && miss.Type == IotlbMessageType.Miss)
            {
                if (miss.Iova >= BlkDriver.IovaBase + 0x10000 + BlkDriver.SlotBytes)
                {
                    missed = true;
                }
                else
                {
                    driver.Frontend.IotlbUpdate(miss.Iova & ~0xfffUL, 0x1000, BlkDriver.UserBase + ((miss.Iova & ~0xfffUL) - BlkDriver.IovaBase), IotlbPermission.ReadWrite);
                }
            }
        }
        Assert.True(missed, "the device never asked for the data page");
        Assert.NotEqual(driver.AvailIndex, driver.UsedIndex);
        return stuck;
    }

    private VhostBlkBridge Start()
    {
        var bridge = new VhostBlkBridge(_options, NullLoggerFactory.Instance, TimeProvider.System);
        bridge.Start(SocketPath);
        return bridge;
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed * 7)).ToArray();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
