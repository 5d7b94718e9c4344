using HilBridge.Live.Device;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Control.Tests.TestSupport;

/// <summary>A real bridge (engine, gate, disk) without QEMU: fence/unfence/set-policy produce real effects.</summary>
public sealed class TestBridge : IDisposable
{
    private readonly TempDirectory _dir = new();

    public TestBridge()
    {
        Bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = Path.Combine(_dir.Path, "disk.img"), DiskSizeBytes = 1 << 20 }, NullLoggerFactory.Instance, TimeProvider.System);
    }

    public VhostBlkBridge Bridge { get; }

    public string Directory => _dir.Path;

    public void Dispose()
    {
        Bridge.Dispose();
        _dir.Dispose();
    }
}
