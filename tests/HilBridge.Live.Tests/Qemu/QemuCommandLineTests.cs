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
        Assert.Contains("-smp 2 ", line);
        Assert.Contains("-D /run/t.fifo", line);
    }

    [Fact]
    public void Build_Vtd_Q35IntelIommuWithDeviceIotlbQbootAndX86Console()
    {
        var args = QemuCommandLine.Build(new QemuOptions { Iommu = Scenarios.IommuKind.Vtd, Kernel = "k", Initrd = "i", WorkloadArguments = "hb.rounds=1" },
            new QemuEndpoints("/run/v.sock", "/run/q.sock", "/run/t.fifo"));
        var line = string.Join(' ', args);
        Assert.Contains("-accel tcg -M q35 -cpu max -bios /usr/share/qemu/qboot.rom", line);
        Assert.Contains("-device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on", line);
        Assert.DoesNotContain("smmuv3", line);
        // Behind the root port the device has its ATS capability, which device-iotlb=on lets the guest enable.
        Assert.Contains("-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1", line);
        Assert.Contains("vhost-user-blk-pci,chardev=vhost0,bus=rp0,id=hbdev,disable-legacy=on,num-queues=1,iommu_platform=on,ats=on", line);
        Assert.Contains("console=ttyS0 intel_iommu=on iommu.strict=1 no_timer_check panic=-1 hb.rounds=1", line);
        Assert.Contains("-smp 1 ", line);
        Assert.Contains("-trace vtd_inv_desc -trace vtd_inv_desc_cc_devices", line);
        Assert.Contains("-msg timestamp=on", line);
    }

    [Fact]
    public void Build_NoIommu_DropsIommuPlatform() =>
        Assert.DoesNotContain(QemuCommandLine.Build(new QemuOptions { IommuPlatform = false }, new QemuEndpoints("v", "q", null)),
            a => a.Contains("iommu_platform"));

    [Fact]
    public void Render_ArgumentWithSpaces_IsQuotedForTheShell() =>
        Assert.Equal("qemu -append 'a b' x,y=1", QemuCommandLine.Render("qemu", ["-append", "a b", "x,y=1"]));
}
