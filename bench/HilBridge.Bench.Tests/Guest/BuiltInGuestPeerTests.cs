using HilBridge.Bench.Guest;
using HilBridge.Live.Qemu;

namespace HilBridge.Bench.Tests.Guest;

public class BuiltInGuestPeerTests
{
    [Fact]
    public void SwapDevice_ProductCommandLine_VirtioBlkWithTheSamePropertiesAndNoChardev()
    {
        var product = QemuCommandLine.Build(new QemuOptions { Kernel = "k", Initrd = "i", IommuPlatform = true },
            new QemuEndpoints("/run/blk.sock", "/run/qmp.sock", TraceFile: null));

        var args = BuiltInGuestPeer.SwapDevice(product, "/run/disk.img");

        Assert.DoesNotContain(args, a => a.Contains("vhost", StringComparison.Ordinal));
        Assert.Contains("file=/run/disk.img,if=none,id=hbdisk,format=raw,cache=writeback", args);
        Assert.Contains("virtio-blk-pci,drive=hbdisk,bus=rp0,id=hbdev,disable-legacy=on,num-queues=1,iommu_platform=on,ats=on", args);
        Assert.Equal(product.Count - 2 + 2, args.Count); // the chardev pair out, the drive pair in, the device pair kept
    }

    [Fact]
    public void SwapDevice_NoVhostUserDevice_Refused() =>
        Assert.Throws<BenchException>(() => BuiltInGuestPeer.SwapDevice(["-M", "virt"], "/run/disk.img"));
}
