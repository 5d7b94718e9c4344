using System.Text.Json;
using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

public class ReplayResultsTests
{
    // What bench/replay writes (--json): the same camelCase names the report reads.
    private const string Json = """
        {"sizes":[
          {"inputs":1000008,"records":1115743,"traceBytes":22800000,"roundInputsPerSecond":[4100000,4300000,4200000],"medianInputsPerSecond":4200000,"peakRssBytes":70000000,"allocatedBytesPerInput":0.1},
          {"inputs":10000005,"records":11168438,"traceBytes":229700000,"roundInputsPerSecond":[5200000,5100000,4900000],"medianInputsPerSecond":5100000,"peakRssBytes":73500000,"allocatedBytesPerInput":0.1}],
         "passes":[{"name":"decode only (TraceReader)","records":11168438,"roundRecordsPerSecond":[9e6,1e7,11e6],"medianRecordsPerSecond":1e7}]}
        """;

    [Fact]
    public void Deserialize_BenchReplayJson_MedianOfLargestAndRssGrowth()
    {
        var r = JsonSerializer.Deserialize<ReplayResults>(Json, BenchJson.Options)!;

        Assert.Equal(5.1, r.MedianMillionInputsPerSecond);
        Assert.Equal(1.05, r.PeakRssGrowth!.Value, 6);
        Assert.Equal(1e7, Assert.Single(r.Passes!).MedianRecordsPerSecond);
    }

    [Fact]
    public void Check_ReplayTargets_ThroughputAndFlatMemory()
    {
        var r = JsonSerializer.Deserialize<ReplayResults>(Json, BenchJson.Options)!;

        var targets = BenchReport.Check(null, null, r);

        Assert.True(targets.Single(t => t.Target.StartsWith("replay, million", StringComparison.Ordinal)).Met);
        Assert.True(targets.Single(t => t.Target.StartsWith("replay peak RSS", StringComparison.Ordinal)).Met);
    }

    [Fact]
    public void Check_SlowReplay_Missed()
    {
        var r = JsonSerializer.Deserialize<ReplayResults>(Json.Replace("5100000", "3600000"), BenchJson.Options)!;

        Assert.False(BenchReport.Check(null, null, r).Single(t => t.Target.StartsWith("replay, million", StringComparison.Ordinal)).Met);
    }
}
