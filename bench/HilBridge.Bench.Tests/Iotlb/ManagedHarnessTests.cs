using System.Text.Json;
using HilBridge.Bench.Iotlb;
using HilBridge.Live.Device;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Bench.Tests.Iotlb;

/// <summary>The C# harness against the real bridge over a real socket: the handshake and both loops.</summary>
public sealed class ManagedHarnessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-bench-test").FullName;

    [Fact]
    public void Run_AgainstBridge_EveryInvalidationAckedWithoutMisses()
    {
        using var bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = Path.Combine(_dir, "disk.img"), DiskSizeBytes = 1 << 20 },
            NullLoggerFactory.Instance, TimeProvider.System);
        var socket = Path.Combine(_dir, "hb.sock");
        bridge.Start(socket);
        var prefix = Path.Combine(_dir, "run");
        var args = new HarnessArguments(socket, Raw: false, Rings: 1, Warmup: 10, Iterations: 200, Burst: 8, Bursts: 5, prefix, Sync: false, "test");
        var output = new StringWriter();

        var exit = new ManagedHarness(args).Run(TextReader.Null, output);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(200, json.RootElement.GetProperty("invalidate").GetProperty("n").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("backend_misses").GetInt64());
        Assert.Equal(200, SampleFile.Read(prefix + ".inv").Length);
        Assert.Equal(5, SampleFile.Read(prefix + ".burst").Length);
        var stats = bridge.Statistics();
        Assert.Equal(10 + 200 + 8 * 5, stats.Engine.Invalidations);
        Assert.Equal(stats.Engine.Invalidations, stats.Engine.InvalidationsAcked);
        Assert.Equal(1, stats.DeviceStarts);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
