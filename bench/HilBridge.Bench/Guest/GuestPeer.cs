using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Guest;

/// <summary>A vhost-user-blk back-end serving one guest boot, on a fresh disk image.</summary>
internal abstract class GuestPeer : IDisposable
{
    protected ChildProcess? Process;

    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract void Start(string socket, string disk, int diskMiB, string logPath);

    /// <summary>The back-end's own counters after the boot, as JSON, where it has any.</summary>
    public virtual string? Statistics() => null;

    /// <summary>QEMU's arguments for this back-end, from the product's command line (a vhost-user-blk device).</summary>
    public virtual IReadOnlyList<string> QemuArguments(IReadOnlyList<string> product) => product;

    public void Dispose() => Process?.Dispose();

    protected static void WaitForSocket(string path, ChildProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (process.HasExited)
            {
                throw new BenchException($"{process.Name} exited before creating {path} (see its log)");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"{process.Name} did not create {path} within {timeout.TotalSeconds:F0} s");
            }

            Thread.Sleep(50);
        }
    }
}

/// <summary>qemu-storage-daemon's vhost-user-blk export (QEMU's own C back-end; no ACCESS_PLATFORM).</summary>
internal sealed class QsdPeer(string binary) : GuestPeer
{
    public override string Name => "qsd";

    public override string Description => "qemu-storage-daemon vhost-user-blk export (raw file, host page cache)";

    public override void Start(string socket, string disk, int diskMiB, string logPath)
    {
        using (var f = File.Create(disk))
        {
            f.SetLength((long)diskMiB << 20);
        }

        string[] args =
        [
            "--blockdev", $"driver=file,node-name=file0,filename={disk},cache.direct=off",
            "--blockdev", "driver=raw,node-name=disk0,file=file0",
            "--export", $"type=vhost-user-blk,id=e0,node-name=disk0,addr.type=unix,addr.path={socket},writable=on,num-queues=1",
        ];
        Process = ChildProcess.Start(Name, binary, args, logPath, logStdout: true);
        WaitForSocket(socket, Process, TimeSpan.FromSeconds(30));
    }
}

/// <summary>The bridge in a child process (bench `bridge`), on a fresh sparse image like the daemon's.</summary>
internal sealed class HilBridgeGuestPeer : GuestPeer
{
    public override string Name => "hilbridge";

    public override string Description => "HilBridge VhostBlkBridge (.NET " + Environment.Version + ", separate process)";

    public override void Start(string socket, string disk, int diskMiB, string logPath)
    {
        File.Delete(disk);
        var (file, args) = SelfCommand.For("bridge", "--socket", socket, "--disk", disk, "--disk-size", diskMiB.ToString());
        Process = ChildProcess.Start(Name, file, args, logPath);
        Process.ReadLineStartingWith("listening", TimeSpan.FromSeconds(60));
    }

    public override string? Statistics()
    {
        Process!.WriteLine("stats");
        return Process.ReadLineStartingWith("stats ", TimeSpan.FromSeconds(10))["stats ".Length..];
    }
}

/// <summary>
/// QEMU's own in-process virtio-blk-pci, no back-end process: the product's command line with the
/// vhost-user-blk device (and its chardev) swapped for virtio-blk-pci on the same root port with the
/// same properties (iommu_platform=on,ats=on when the bridge has them), on a fresh sparse raw image
/// through the host page cache (cache=writeback, as the bridge and the daemon use it). With the IOMMU
/// on, every DMA of the device is translated by the same vSMMUv3 inside QEMU: the peer the bridge's
/// IOMMU path is measured against.
/// </summary>
internal sealed class BuiltInGuestPeer : GuestPeer
{
    private string? _disk;

    public override string Name => "qemu-virtio-blk";

    public override string Description => "QEMU's in-process virtio-blk-pci (raw file, host page cache)";

    public override void Start(string socket, string disk, int diskMiB, string logPath)
    {
        using (var f = File.Create(disk))
        {
            f.SetLength((long)diskMiB << 20);
        }

        _disk = disk;
    }

    public override IReadOnlyList<string> QemuArguments(IReadOnlyList<string> product) =>
        SwapDevice(product, _disk ?? throw new InvalidOperationException("Start first"));

    /// <summary>The product's vhost-user-blk-pci (and its chardev) replaced by virtio-blk-pci with the same properties.</summary>
    internal static List<string> SwapDevice(IReadOnlyList<string> product, string disk)
    {
        const string VhostDevice = "vhost-user-blk-pci,";
        var args = new List<string>();
        var swapped = false;
        for (var i = 0; i < product.Count; i++)
        {
            if (product[i] == "-chardev" && i + 1 < product.Count && product[i + 1].StartsWith("socket,id=vhost0,", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            if (product[i] == "-device" && i + 1 < product.Count && product[i + 1].StartsWith(VhostDevice, StringComparison.Ordinal))
            {
                var properties = product[i + 1][VhostDevice.Length..].Split(',').Where(p => p != "chardev=vhost0");
                args.AddRange(["-drive", $"file={disk},if=none,id=hbdisk,format=raw,cache=writeback",
                    "-device", "virtio-blk-pci,drive=hbdisk," + string.Join(',', properties)]);
                swapped = true;
                i++;
                continue;
            }

            args.Add(product[i]);
        }

        return swapped ? args : throw new BenchException("the product's QEMU command line has no vhost-user-blk-pci device to swap");
    }
}
