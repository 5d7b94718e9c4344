using HilBridge.Scenarios;

namespace HilBridge.EndToEnd.Tests;

/// <summary>The live path of issue 2: a real aarch64 guest does O_DIRECT I/O through the bridge behind QEMU's SMMUv3.</summary>
[Collection(LiveGuestCollection.Name)]
public sealed class LiveRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_DefaultGuest_VerifiesDataAndAcknowledgesEveryInvalidation()
    {
        var summary = await LiveRun.ExecuteAsync(Scenario.Default(rounds: 2, blocks: 256), output);

        Assert.Equal("passed", summary.Outcome.ToText());
        Assert.True(summary.DataVerified);
        Assert.Equal(2, summary.RoundsVerified);
        var bridge = summary.Bridge;
        // iommu.strict=1: every unmap of a DMA buffer reaches the device's ATC as an IOTLB INVALIDATE.
        Assert.True(bridge.Engine.Invalidations > 500, $"only {bridge.Engine.Invalidations} invalidations");
        Assert.Equal(bridge.Engine.Invalidations, bridge.Engine.InvalidationsAcked);
        Assert.True(bridge.Engine.AtcMisses > 0 && bridge.Engine.AtcUpdates > 0 && bridge.Engine.AtcHits > 0);
        Assert.Equal(0, bridge.RequestErrors);
        Assert.Equal(0, bridge.Engine.Fences);
        Assert.NotNull(bridge.AckLatencyP50);
        // The StreamID comes from QEMU (query-pci), and the guest's SMMU command stream was tapped live.
        Assert.Equal(0x100u, summary.StreamId);
        Assert.Equal("smmuv3", summary.Iommu);
        Assert.True(summary.IommuCommands.GetValueOrDefault("SMMU_CMD_TLBI_NH_VA") > 500);
        Assert.True(summary.IommuCommands.GetValueOrDefault("SMMU_CMD_CFGI_STE") > 0);
    }
}
