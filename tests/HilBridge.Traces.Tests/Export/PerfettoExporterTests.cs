using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Traces.Export;
using HilBridge.Traces.Format;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Export;

public class PerfettoExporterTests
{
    [Theory]
    [InlineData(FencePolicy.Fence)]
    [InlineData(FencePolicy.Hope)]
    public void Export_SyntheticRun_IsValidTraceEventJson(FencePolicy fence)
    {
        // Short timeout and early faults: a small trace still fences (or violates) and recovers.
        var options = TestTraces.Options(new FaultPolicy(
            new FaultRule { EveryNth = 1000, Limit = 2, Stragglers = new StragglerSpec(1, Distribution.Fixed(0.06), Core.Dma.AccessKind.Write, 64) },
            new FaultRule { EveryNth = 3000, Limit = 1, Outcome = FaultOutcome.Drop }), fence);
        options.InvalidationTimeout = TimeSpan.FromMilliseconds(50);
        using var doc = Export(TestTraces.Synthetic(6_000, options), out _);

        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Equal("ms", doc.RootElement.GetProperty("displayTimeUnit").GetString());
        var allowed = new HashSet<string> { "M", "b", "e", "i", "C" };
        foreach (var e in events)
        {
            var ph = e.GetProperty("ph").GetString()!;
            Assert.Contains(ph, allowed);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            Assert.Equal(1, e.GetProperty("pid").GetInt32());
            if (ph != "M")
            {
                Assert.True(e.GetProperty("ts").GetDouble() >= 0);
                Assert.True(e.TryGetProperty("tid", out _));
            }

            if (ph is "b" or "e")
            {
                Assert.StartsWith("0x", e.GetProperty("id").GetString());
            }

            if (ph == "i")
            {
                Assert.Equal("t", e.GetProperty("s").GetString());
            }
        }

        // Every async slice opens once and closes once, on one track, and never ends before it began.
        var slices = events.Where(e => e.GetProperty("ph").GetString() is "b" or "e")
            .GroupBy(e => (e.GetProperty("cat").GetString(), e.GetProperty("id").GetString()));
        foreach (var slice in slices)
        {
            var phases = slice.Select(e => e.GetProperty("ph").GetString()).ToList();
            Assert.Equal(["b", "e"], phases);
            Assert.Single(slice.Select(e => e.GetProperty("name").GetString()).Distinct());
            Assert.True(slice.First().GetProperty("ts").GetDouble() <= slice.Last().GetProperty("ts").GetDouble());
        }

        Assert.Contains(events, e => Cat(e) == "invalidation");
        if (fence == FencePolicy.Fence)
        {
            Assert.Contains(events, e => Cat(e) == "fence" && e.GetProperty("ph").GetString() == "b");
            Assert.Contains(events, e => e.GetProperty("name").GetString() == "access refused (fenced)");
        }
        else
        {
            Assert.Contains(events, e => e.GetProperty("name").GetString() == "UAF violation");
        }
    }

    [Fact]
    public void Export_SmallTrace_NamesTheDeviceTrackAndKeepsGuestAndSmmuEvents()
    {
        using var doc = Export(TestTraces.Small(), out var exporter);

        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("args").GetProperty("name").GetString() == "device sid 0x100");
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "guest round");
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "SMMU_CMD_SYNC");
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "timeout req 2");
        Assert.Equal(events.Count, exporter.EventsWritten);
    }

    [Fact]
    public void Export_TraceCutInsideAnInvalidation_ClosesTheOpenSlices()
    {
        var bytes = TestTraces.Small();
        var entries = TestTraces.ReadAll(bytes, out var r);
        r.Dispose();
        var second = entries.First(e => e.Kind == TraceRecordKind.Input && e.Input.Kind == EngineInputKind.IotlbInvalidate && e.Input.Id == 2);
        var cut = bytes.AsSpan(0, (int)entries[(int)second.Index + 1].Offset).ToArray();

        using var doc = Export(cut, out _);

        var slices = doc.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() is "b" or "e").ToList();
        Assert.Equal(slices.Count(e => e.GetProperty("ph").GetString() == "b"), slices.Count(e => e.GetProperty("ph").GetString() == "e"));
        Assert.Contains(slices, e => e.TryGetProperty("args", out var a) && a.TryGetProperty("unanswered", out _));
    }

    private static string? Cat(JsonElement e) => e.TryGetProperty("cat", out var c) ? c.GetString() : null;

    private static JsonDocument Export(byte[] trace, out PerfettoExporter exporter)
    {
        using var reader = new TraceReader(new MemoryStream(trace));
        var output = new MemoryStream();
        exporter = new PerfettoExporter();
        exporter.Export(reader, output);
        return JsonDocument.Parse(output.ToArray());
    }
}
