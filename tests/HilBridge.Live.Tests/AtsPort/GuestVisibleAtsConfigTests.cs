using HilBridge.Core.Engine;
using HilBridge.Live.Guest;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;

namespace HilBridge.Live.Tests.AtsPort;

/// <summary>The configuration side of guest-visible ATS: scenario files, QEMU's command line, the guest's messages.</summary>
public sealed class GuestVisibleAtsConfigTests
{
    [Fact]
    public void Build_GuestVisibleAts_UefiAcpiBootAndAtsPortChardev()
    {
        var options = new QemuOptions
        {
            Kernel = "/k", Initrd = "/i",
            GuestVisibleAts = new GuestVisibleAtsOptions { AtcInvalidationTimeout = TimeSpan.FromMilliseconds(1500) },
        };
        var args = QemuCommandLine.Build(options, new QemuEndpoints("/run/v.sock", "/run/q.sock", null, "/run/ats.sock"));

        Assert.Equal("virt,iommu=smmuv3,ats=on", After(args, "-M"));
        Assert.Equal(GuestVisibleAtsOptions.DefaultFirmware, After(args, "-bios"));
        Assert.EndsWith(" acpi=force", After(args, "-append").Split(" hb.")[0]);
        Assert.Contains("socket,id=hbats,path=/run/ats.sock", args);
        Assert.Contains("arm-smmuv3.ats-port=hbats", args);
        Assert.Contains("arm-smmuv3.ats-timeout-ms=1500", args);
        Assert.Contains(args, a => a.StartsWith("vhost-user-blk-pci,", StringComparison.Ordinal) && a.Contains(",ats=on"));
    }

    [Fact]
    public void Build_GuestVisibleAtsWithReconnect_BothSocketsReconnect()
    {
        var options = new QemuOptions { Kernel = "/k", Initrd = "/i", VhostReconnectSeconds = 1, GuestVisibleAts = new GuestVisibleAtsOptions() };
        var args = QemuCommandLine.Build(options, new QemuEndpoints("/run/v.sock", "/run/q.sock", null, "/run/ats.sock"));

        Assert.Contains("socket,id=vhost0,path=/run/v.sock,reconnect=1", args);
        Assert.Contains("socket,id=hbats,path=/run/ats.sock,reconnect=1", args);
    }

    [Fact]
    public void Build_VtdGuestVisibleAts_PatchedIntelIommuWithAtsPortAndQboot()
    {
        var options = new QemuOptions
        {
            Kernel = "/k", Initrd = "/i", Iommu = IommuKind.Vtd,
            GuestVisibleAts = new GuestVisibleAtsOptions { Firmware = VtdProfile.Firmware, AtcInvalidationTimeout = TimeSpan.FromMilliseconds(1000) },
        };
        var args = QemuCommandLine.Build(options, new QemuEndpoints("/run/v.sock", "/run/q.sock", null, "/run/ats.sock"));

        Assert.Equal("q35", After(args, "-M"));
        Assert.Equal(VtdProfile.Firmware, After(args, "-bios"));
        Assert.Contains("intel-iommu,intremap=on,device-iotlb=on,caching-mode=on,ats-port=hbats,ats-timeout-ms=1000", args);
        // -device resolves ats-port=hbats by id: the chardev must come before it.
        Assert.True(args.ToList().IndexOf("socket,id=hbats,path=/run/ats.sock") < args.ToList().IndexOf("-device"));
        Assert.DoesNotContain(args, a => a.Contains("acpi=force") || a.Contains("arm-smmuv3"));
    }

    [Fact]
    public void Build_StockQemu_NoAtsArguments()
    {
        var args = QemuCommandLine.Build(new QemuOptions { Kernel = "/k", Initrd = "/i" }, new QemuEndpoints("/v", "/q", null));
        Assert.Equal("virt,iommu=smmuv3", After(args, "-M"));
        Assert.DoesNotContain("-bios", args);
        Assert.DoesNotContain(args, a => a.Contains("acpi=force") || a.Contains("ats-port"));
    }

    [Fact]
    public void Build_GuestVisibleAtsWithoutSocket_Throws() =>
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(
            new QemuOptions { GuestVisibleAts = new GuestVisibleAtsOptions() }, new QemuEndpoints("/v", "/q", null)));

    [Fact]
    public void Parse_GuestVisibleAts_FlagQemuSectionAndHopeByDefault()
    {
        var scenario = ScenarioLoader.Parse("""
            guestVisibleAts: true
            engine:
              timeout: 1500ms
            qemu:
              binary: /opt/qemu/qemu-system-aarch64
              firmware: /opt/QEMU_EFI.fd
              atsTimeout: 2s
            expect:
              guestAtcTimeouts: ">= 1"
              smmuAtcTimeouts: ">= 1"
            """, "x");
        Assert.True(scenario.GuestVisibleAts);
        Assert.Equal("/opt/qemu/qemu-system-aarch64", scenario.QemuBinary);
        Assert.Equal("/opt/QEMU_EFI.fd", scenario.Firmware);
        Assert.Equal(FencePolicy.Hope, scenario.Engine.FencePolicy);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), scenario.Engine.InvalidationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), scenario.SmmuAtcTimeout);
    }

    [Fact]
    public void Parse_QemuSectionWithoutGuestVisibleAts_Refused() =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse("qemu:\n  binary: /x\n", "x"));

    [Fact]
    public void Parse_ShippedAtsScenarios_LoadAsGuestVisible()
    {
        var dir = FindScenarios();
        var files = Directory.GetFiles(dir, "ats-*.yaml");
        Assert.True(files.Length >= 3, $"expected the ats-* scenarios in {dir}");
        foreach (var file in files)
        {
            var scenario = ScenarioLoader.Load(file);
            Assert.True(scenario.GuestVisibleAts, file);
            Assert.Contains(scenario.Expectations, e => e.Metric == "atsInvalidations");
        }
    }

    [Theory]
    [InlineData("[   35.711583] arm-smmu-v3 arm-smmu-v3.0.auto: CMDQ error (cons 0x03000b01): ATC invalidate timeout", KernelTimeoutKind.AtcInvalidate)]
    [InlineData("[   31.473445] arm-smmu-v3 arm-smmu-v3.0.auto: CMD_SYNC timeout at 0x00000b02 [hwprod 0x00000b02, hwcons 0x00000b01]", KernelTimeoutKind.CmdSync)]
    [InlineData("[    7.868226] arm-smmu-v3 arm-smmu-v3.0.auto: unexpected global error reported (0x00000001), this could be serious", KernelTimeoutKind.None)]
    [InlineData("HB: round n=1 verified=1 write_ok=1 read_ok=1 uptime=9.37", KernelTimeoutKind.None)]
    [InlineData("[    4.296843] DMAR: Invalidation Time-out Error (ITE) cleared", KernelTimeoutKind.AtcInvalidate)]
    [InlineData("[    4.284362] DMAR: VT-d detected Invalidation Time-out Error: SID 100", KernelTimeoutKind.Detail)]
    public void Classify_ConsoleLine_KnowsTheIommuTimeoutMessages(string line, KernelTimeoutKind expected) =>
        Assert.Equal(expected, KernelTimeoutMessages.Classify(line));

    [Fact]
    public void ObserveKernelLine_TimeoutMessages_CountedAndKept()
    {
        var outcome = new GuestOutcome();
        Assert.True(outcome.ObserveKernelLine("x: CMD_SYNC timeout at 0x1"));
        Assert.True(outcome.ObserveKernelLine("x: CMDQ error (cons 0x3): ATC invalidate timeout"));
        Assert.False(outcome.ObserveKernelLine("x: something else"));
        Assert.Equal((1, 1, 2), (outcome.AtcInvalidateTimeouts, outcome.CmdSyncTimeouts, outcome.TimeoutMessages.Count));
    }

    private static string After(IReadOnlyList<string> args, string flag) => args[args.ToList().IndexOf(flag) + 1];

    private static string FindScenarios()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scenarios");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "HilBridge.sln")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("scenarios/ not found");
    }
}
