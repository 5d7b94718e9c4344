using HilBridge.Live.Qemu;
using HilBridge.Scenarios;

namespace HilBridge.Live.Tests.Qemu;

public class IommuCommandStreamTests
{
    [Fact]
    public void Apply_SmmuCfgiSteAndRange_RaisesEachStreamIdAndCountsOpcodes()
    {
        var stream = new IommuCommandStream(SmmuV3Profile.Instance);
        var seen = new List<uint?>();
        stream.ContextInvalidated += seen.Add;
        foreach (var line in new[]
        {
            "smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
            "smmuv3_cmdq_cfgi_ste streamid= 256",
            "smmuv3_cmdq_cfgi_ste_range start=0x8 - end=0xa",
            "smmuv3_newer_event_we_do_not_know foo=1",
            "vtd_inv_desc invalidate desc type device high 0x0 low 0x1000003",
        })
        {
            stream.Apply(line);
        }
        Assert.Equal([256u, 8u, 9u, 10u], seen);
        Assert.Equal(1, stream.CommandCounts["SMMU_CMD_CFGI_STE"]);
        Assert.Equal(4, stream.Lines);
        Assert.Null(stream.Stalls);
    }

    /// <summary>Lines as QEMU 7.2's intel-iommu writes them with -msg timestamp=on (the device is 01:00.0, source-id 0x100).</summary>
    private static readonly string[] VtdLines =
    [
        "100@1796534206.000000:vtd_inv_desc invalidate desc type iotlb high 0x7ffff000 low 0x10072",
        "100@1796534206.000010:vtd_inv_desc invalidate desc type wait high 0x1046004 low 0x200000025",
        "100@1796534206.000100:vtd_inv_desc invalidate desc type device high 0x7ffff000 low 0x1000003",
        "100@1796534206.003100:vtd_inv_desc invalidate desc type wait high 0x1046004 low 0x200000025",
        "100@1796534206.010000:vtd_inv_desc invalidate desc type device high 0x7fffe000 low 0x1000003",
        "100@1796534207.010000:vtd_inv_desc invalidate desc type wait high 0x1046004 low 0x200000025",
        "100@1796534207.020000:vtd_inv_desc invalidate desc type context-cache high 0x0 low 0x1000031",
        "100@1796534207.020001:vtd_inv_desc_cc_devices context invalidate devices sid 0x100 fmask 0x0",
        "100@1796534207.020002:vtd_inv_desc_cc_global context invalidate globally",
        "100@1796534207.020003:smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
    ];

    [Fact]
    public void Apply_VtdDescriptors_CountsByTypeAndRaisesTheSourceIdAndAll()
    {
        var stream = new IommuCommandStream(VtdProfile.Instance);
        var seen = new List<uint?>();
        stream.ContextInvalidated += seen.Add;
        foreach (var line in VtdLines)
        {
            stream.Apply(line);
        }

        Assert.Equal([0x100u, null], seen);
        Assert.Equal(2, stream.CommandCounts[VtdDescriptors.DeviceIotlb]);
        Assert.Equal(3, stream.CommandCounts[VtdDescriptors.Wait]);
        Assert.Equal(1, stream.CommandCounts[VtdDescriptors.Iotlb]);
        Assert.Equal(1, stream.CommandCounts[VtdDescriptors.ContextCache]);
        Assert.Equal(9, stream.Lines);
    }

    [Fact]
    public void Apply_VtdDeviceIotlbThenWait_StallIsTheGapOnTheVcpu()
    {
        var stream = new IommuCommandStream(VtdProfile.Instance);
        foreach (var line in VtdLines)
        {
            stream.Apply(line);
        }

        // Two device-IOTLB descriptors: 3 ms and 1 s until the queue moved on; the iotlb one is not forwarded.
        var stalls = stream.Stalls!;
        Assert.Equal(2, stalls.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), stalls.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(1003), stalls.Total);
    }

    [Fact]
    public void Apply_VtdWithoutTimestamps_CountsButTimesNothing()
    {
        var stream = new IommuCommandStream(VtdProfile.Instance);
        stream.Apply("vtd_inv_desc invalidate desc type device high 0x0 low 0x1000003");
        stream.Apply("vtd_inv_desc invalidate desc type wait high 0x0 low 0x25");

        Assert.Equal(1, stream.CommandCounts[VtdDescriptors.DeviceIotlb]);
        Assert.Null(stream.Stalls);
    }
}
