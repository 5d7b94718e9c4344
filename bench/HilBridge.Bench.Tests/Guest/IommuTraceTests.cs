using HilBridge.Bench.Guest;

namespace HilBridge.Bench.Tests.Guest;

public class IommuTraceTests
{
    // Two tests' windows: (10, 20] and (20, 30]; the lines are QEMU 7.2's with -msg timestamp=on.
    private static readonly string[] Lines =
    [
        "4649@9.000000:smmuv3_cmdq_consume prod=2 cons=0 prod.wrap=0 cons.wrap=0", // before the tests: dropped
        "4649@9.000001:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA",
        "4649@9.000050:smmuv3_cmdq_consume_out prod:2, cons:2, prod_wrap:0, cons_wrap:0",
        "4649@11.000000:smmuv3_cmdq_consume prod=4 cons=2 prod.wrap=0 cons.wrap=0",
        "4649@11.000001:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA",
        "4649@11.000002:smmuv3_cmdq_consume prod=4 cons=3 prod.wrap=0 cons.wrap=0",
        "4649@11.000003:smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC",
        "4649@11.000040:smmuv3_cmdq_consume_out prod:4, cons:4, prod_wrap:0, cons_wrap:0",
        "4650@12.000000:smmu_iotlb_lookup_miss IOTLB cache MISS asid=1 addr=0xfffff000 hit=0 miss=1 hit rate=0",
        "4649@12.000001:vhost_iotlb_miss 0x5633c5e42190 step 1",
        "4649@12.000090:vhost_iotlb_miss 0x5633c5e42190 step 2",
        "4649@12.000100:vhost_iotlb_miss 0x5633c5e42190 step 1", // 10 µs later: the same request's next miss
        "4649@12.000150:vhost_iotlb_miss 0x5633c5e42190 step 2",
        "4649@13.000000:vhost_iotlb_miss 0x5633c5e42190 step 1", // a second later: another request, no gap counted
        "4649@13.000070:vhost_iotlb_miss 0x5633c5e42190 step 2",
        "4649@21.000000:smmuv3_cmdq_consume prod=7 cons=4 prod.wrap=0 cons.wrap=0",
        "4649@21.000001:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA",
        "4649@21.000002:smmuv3_cmdq_consume prod=7 cons=5 prod.wrap=0 cons.wrap=0",
        "4649@21.000003:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA",
        "4649@21.000004:smmuv3_cmdq_consume prod=7 cons=6 prod.wrap=0 cons.wrap=0",
        "4649@21.000005:smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC",
        "4649@21.000105:smmuv3_cmdq_consume_out prod:7, cons:7, prod_wrap:0, cons_wrap:0",
        "4649@21.500000:smmuv3_cmdq_consume prod=8 cons=7 prod.wrap=0 cons.wrap=0", // a batch without an invalidation
        "4649@21.500001:smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
        "4649@21.500900:smmuv3_cmdq_consume_out prod:8, cons:8, prod_wrap:0, cons_wrap:0",
        "garbage without a timestamp",
        "4649@31.000000:smmu_iotlb_lookup_miss IOTLB cache MISS asid=1 addr=0xffffe000 hit=0 miss=2 hit rate=0", // after the last test
    ];

    [Fact]
    public void Count_TwoWindows_SplitsByTimeAndTimesEachBatchPerInvalidation()
    {
        var windows = IommuTrace.Count(Lines, [20.0, 30.0], start: 10.0);

        Assert.Equal(2, windows.Count);
        var first = windows[0];
        Assert.Equal((1L, 1L, 1L, 1L, 3L), (first.Invalidations, first.Syncs, first.Batches, first.SmmuIotlbMisses, first.VhostIotlbMisses));
        Assert.Equal(40, first.WaitTotalUs, precision: 0);
        Assert.Equal(40, first.MedianWaitPerInvalidationUs, precision: 0);
        Assert.Equal(70, first.MedianVhostMissUs, precision: 0); // 89, 50, 70
        Assert.Equal(209, first.VhostMissTotalUs, tolerance: 0.01);
        Assert.Equal(10, first.MedianMissGapUs, precision: 0);
        var second = windows[1];
        Assert.Equal((2L, 1L, 1L, 0L, 0L), (second.Invalidations, second.Syncs, second.Batches, second.SmmuIotlbMisses, second.VhostIotlbMisses));
        Assert.Equal(105, second.WaitTotalUs, precision: 0);
        Assert.Equal(52.5, second.MedianWaitPerInvalidationUs, precision: 1);
    }

    [Fact]
    public void QemuArguments_TimestampsAndEveryEvent()
    {
        var args = IommuTrace.QemuArguments("run/iommu.log").ToList();

        Assert.Equal(["-msg", "timestamp=on", "-D", "run/iommu.log"], args.Take(4));
        Assert.Equal(IommuTrace.Events, args.Skip(4).Where((_, i) => i % 2 == 1));
    }
}
