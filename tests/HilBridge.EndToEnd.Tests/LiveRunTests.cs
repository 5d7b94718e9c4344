using HilBridge.Live.Run;
using HilBridge.Scenarios;
using HilBridge.Scenarios.Tests.TestSupport;
using HilBridge.Traces.Export;
using HilBridge.Traces.Format;

namespace HilBridge.EndToEnd.Tests;

/// <summary>The live path of issue 2: a real aarch64 guest does O_DIRECT I/O through the bridge behind QEMU's SMMUv3.</summary>
[Collection(LiveGuestCollection.Name)]
public sealed class LiveRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_DefaultGuest_VerifiesDataAndAcknowledgesEveryInvalidation()
    {
        var folder = LiveRun.NewOutputDirectory("default");
        var summary = await LiveRun.ExecuteAsync(Scenario.Default(rounds: 2, blocks: 256), output, outputDirectory: folder);

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
        AssertRunFolder(folder, summary);
    }

    /// <summary>The folder a person can hand on (issue 17): its files, and a report that Chromium draws with this run's data.</summary>
    private static void AssertRunFolder(string folder, RunSummary summary)
    {
        Assert.Equal(summary.Render(), File.ReadAllText(Path.Combine(folder, RunFolder.SummaryText)));
        Assert.StartsWith("qemu-system-aarch64 -M virt,iommu=smmuv3 ", File.ReadAllText(Path.Combine(folder, RunFolder.QemuCommandLine)));
        Assert.Contains("launching qemu-system-aarch64", File.ReadAllText(Path.Combine(folder, RunFolder.BridgeLog)));
        Assert.True(File.Exists(Path.Combine(folder, RunFolder.Timeline)));

        var dom = HeadlessChromium.DumpDom(Path.Combine(folder, RunFolder.Report));

        Assert.Contains("data-rendered=\"ok\"", dom);
        // One tick per invalidation, and the histogram counts every acknowledgement as the host measured it.
        Assert.Equal(summary.Bridge.Engine.Invalidations, HeadlessChromium.CountClass(dom, "mark", "invalidations"));
        var bars = System.Text.RegularExpressions.Regex.Matches(dom, "class=\"bar\" data-count=\"(\\d+)\"");
        Assert.Equal(summary.Bridge.Engine.InvalidationsAcked, bars.Sum(m => long.Parse(m.Groups[1].Value)));

        // The trace carries each acknowledgement's measured latency: Perfetto's invalidation slices are that long.
        using var trace = TraceReader.Open(Path.Combine(folder, "trace.hbt"));
        var exporter = new PerfettoExporter();
        exporter.Export(trace, Stream.Null);
        Assert.Equal(summary.Bridge.Engine.InvalidationsAcked, exporter.MeasuredSlices);
    }
}
