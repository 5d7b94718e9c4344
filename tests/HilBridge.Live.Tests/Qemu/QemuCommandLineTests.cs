using HilBridge.Live.Qemu;

namespace HilBridge.Live.Tests.Qemu;

public class QemuCommandLineTests
{
    [Fact]
    public void Build_Defaults_HaveSmmuSharedMemoryAndAtsDevice()
    {
        var args = QemuCommandLine.Build(new QemuOptions { Kernel = "k", Initrd = "i", WorkloadArguments = "hb.rounds=1" },
            new QemuEndpoints("/run/v.sock", "/run/q.sock", "/run/t.fifo"));
        var line = string.Join(' ', args);
        Assert.Contains("virt,iommu=smmuv3", line);
        Assert.Contains("memory-backend-memfd,id=mem,size=1024M,share=on", line);
        Assert.Contains("vhost-user-blk-pci,chardev=vhost0,bus=rp0,id=hbdev,disable-legacy=on,num-queues=1,iommu_platform=on,ats=on", line);
        Assert.Contains("console=ttyAMA0 iommu.strict=1 panic=-1 hb.rounds=1", line);
        Assert.Contains("-D /run/t.fifo", line);
    }

    [Fact]
    public void Build_NoIommu_DropsIommuPlatform() =>
        Assert.DoesNotContain(QemuCommandLine.Build(new QemuOptions { IommuPlatform = false }, new QemuEndpoints("v", "q", null)),
            a => a.Contains("iommu_platform"));

    [Fact]
    public void Render_ArgumentWithSpaces_IsQuotedForTheShell() =>
        Assert.Equal("qemu -append 'a b' x,y=1", QemuCommandLine.Render("qemu", ["-append", "a b", "x,y=1"]));
}
