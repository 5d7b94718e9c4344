using System.Text.Json;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Tests;

public class RunSummaryJsonTests
{
    /// <summary>The shape summaries had before the engine's counters were nested (traces recorded then keep it).</summary>
    private const string FlatSummary = """
        {"Scenario":"s","Outcome":"passed","Reason":null,"DataVerified":true,"Rounds":3,"RoundsVerified":3,"GuestIoErrors":1,
         "GuestRecoveries":2,"WallSeconds":12.5,"StreamId":256,
         "Bridge":{"Requests":40,"RequestErrors":2,"BytesRead":4096,"BytesWritten":8192,"AtcHits":5,"AtcMisses":6,"Invalidations":9,
                   "AckLatencyP50":"00:00:00.0000100","EngineAckDelayP50":null,"Fences":1,"LastRecoverySeconds":0.5,"Sessions":1,"DeviceStarts":1},
         "SmmuCommands":{"SMMU_CMD_CFGI_STE":4}}
        """;

    [Fact]
    public void Deserialize_FlatBridgeCountersOfEarlierVersions_KeepsDeviceCountersAndGuestFacts()
    {
        var summary = JsonSerializer.Deserialize<RunSummary>(FlatSummary)!;

        Assert.Equal(RunOutcome.Passed, summary.Outcome);
        Assert.Equal((40L, 2L), (summary.Bridge.Requests, summary.Bridge.RequestErrors));
        Assert.Equal((true, 3, 1, 2), (summary.DataVerified, summary.RoundsVerified, summary.GuestIoErrors, summary.GuestRecoveries));
        Assert.Equal(TimeSpan.FromTicks(100), summary.Bridge.AckLatencyP50);
        Assert.Equal(4, RunMetrics.Get(summary, "steInvalidations"));
        Assert.Equal(new EngineCounterSnapshot(), summary.Bridge.Engine); // replay supplies the engine's counters
    }

    [Fact]
    public void RoundTrip_Summary_KeepsEngineCounters()
    {
        var summary = new RunSummary
        {
            Outcome = RunOutcome.Aborted,
            Bridge = new BridgeStatistics { Requests = 1, Engine = new() { Fences = 2, LastRecoveryTime = TimeSpan.FromSeconds(1.5) } },
        };

        var back = JsonSerializer.Deserialize<RunSummary>(JsonSerializer.Serialize(summary))!;

        Assert.Equal(summary.Bridge, back.Bridge);
        Assert.Equal(RunOutcome.Aborted, back.Outcome);
    }

    [Fact]
    public void Render_AnySummary_ShowsEveryEngineCounterByName()
    {
        var text = new RunSummary { Outcome = RunOutcome.Passed, Bridge = new BridgeStatistics { Engine = new() { StaleHits = 3 } } }.Render();

        Assert.Contains("outcome            passed", text);
        Assert.All(EngineCounterSnapshot.All, c => Assert.Contains(c.Name + " ", text));
        Assert.Contains("staleHits 3", text);
    }

    [Fact]
    public void RoundTrip_SummaryWithKernel_NamedInJsonAndText()
    {
        var summary = new RunSummary { Outcome = RunOutcome.Passed, Bridge = new(), Kernel = new GuestKernelInfo("7.2.8", "build", "linux 7.2.8 + 0 patches, build 556c6850b979") };

        var json = JsonSerializer.Serialize(summary);
        var back = JsonSerializer.Deserialize<RunSummary>(json)!;

        Assert.Contains("\"Kernel\":{\"Release\":\"7.2.8\",\"Source\":\"build\"", json, StringComparison.Ordinal);
        Assert.Equal(summary.Kernel, back.Kernel);
        Assert.Contains("guest kernel       7.2.8 (build: linux 7.2.8 + 0 patches, build 556c6850b979)", summary.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_SmmuCommandsOfEarlierVersions_ReadAsIommuCommandsAndWrittenUnderTheNewName()
    {
        var summary = JsonSerializer.Deserialize<RunSummary>(FlatSummary)!;
        var json = JsonSerializer.Serialize(summary);

        Assert.Equal(4, summary.IommuCommands["SMMU_CMD_CFGI_STE"]);
        Assert.Null(summary.Iommu);
        Assert.Contains("\"IommuCommands\":{\"SMMU_CMD_CFGI_STE\":4}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("SmmuCommands", json, StringComparison.Ordinal);
        Assert.Contains("device             StreamID 0x100", summary.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_VtdSummary_NamesSourceIdDescriptorsAndTheStall()
    {
        var summary = new RunSummary
        {
            Outcome = RunOutcome.Passed,
            Bridge = new(),
            Iommu = "vtd",
            StreamId = 0x100,
            IommuCommands = new Dictionary<string, long> { [VtdDescriptors.DeviceIotlb] = 4108, [VtdDescriptors.Wait] = 4200, [VtdDescriptors.ContextCache] = 3 },
            InvalidationStall = new InvalidationStallStatistics { Count = 4108, P50 = TimeSpan.FromMilliseconds(0.2), P99 = TimeSpan.FromMilliseconds(1), Max = TimeSpan.FromSeconds(1), Total = TimeSpan.FromSeconds(2) },
        };

        var text = summary.Render();

        Assert.Contains("device             source-id 0x100", text, StringComparison.Ordinal);
        Assert.Contains("IOMMU commands     vtd: wait 4200, device-iotlb 4108, context-cache 3", text, StringComparison.Ordinal);
        Assert.Contains("guest stall        4108 device-IOTLB invalidations, vCPU stalled p50 0.20 ms p99 1.00 ms max 1000.00 ms, 2.00 s in all", text, StringComparison.Ordinal);
        Assert.Equal(4108, RunMetrics.Get(summary, "deviceIotlbInvalidations"));
        Assert.Equal(3, RunMetrics.Get(summary, "contextInvalidations"));
        Assert.Equal(1000, RunMetrics.Get(summary, "invalidationStallMaxMs"));
    }

    [Fact]
    public void Deserialize_SummaryOfEarlierVersions_NoKernel()
    {
        Assert.Null(JsonSerializer.Deserialize<RunSummary>(FlatSummary)!.Kernel);
    }
}
