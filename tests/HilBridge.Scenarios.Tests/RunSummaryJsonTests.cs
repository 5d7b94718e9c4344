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
    public void Deserialize_SummaryOfEarlierVersions_NoKernel()
    {
        Assert.Null(JsonSerializer.Deserialize<RunSummary>(FlatSummary)!.Kernel);
    }
}
