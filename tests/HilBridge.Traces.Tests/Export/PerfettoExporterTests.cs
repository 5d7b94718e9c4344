using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Traces.Export;
using HilBridge.Traces.Format;
using HilBridge.Traces.Recording;
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
        var allowed = new HashSet<string> { "M", "b", "e", "i", "C", "X", "s", "f" };
        foreach (var e in events)
        {
            var ph = e.GetProperty("ph").GetString()!;
            Assert.Contains(ph, allowed);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            Assert.Contains(e.GetProperty("pid").GetInt32(), new[] { 1, 2 });
            if (ph != "M")
            {
                Assert.True(e.GetProperty("ts").GetDouble() >= 0);
                Assert.True(e.TryGetProperty("tid", out _));
            }

            if (ph is "b" or "e" && Cat(e) != "flow")
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

    [Fact]
    public void Export_MeasuredAcknowledgements_EndTheSliceAtArrivalPlusTheMeasurement()
    {
        var options = TestTraces.Options();
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, TestTraces.Header(options), leaveOpen: true))
        {
            var observer = new TraceWriterObserver(writer);
            var driver = new EngineStepper(options, TestTraces.Start, observer);
            var t = TestTraces.Start.AddMilliseconds(5);
            driver.Step(new EngineInput(EngineInputKind.IotlbInvalidate, t, 0x1000, 0x2000, Id: 7));
            // The engine answers at once (0 us of delay); the host measured 42.5 us around it.
            writer.WriteAckMeasured(t, new AckMeasurement(7, TimeSpan.FromMicroseconds(42.5)));
            writer.Complete(t);
        }

        using var doc = Export(stream.ToArray(), out var exporter);

        var slice = doc.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => Cat(e) == "invalidation" && e.GetProperty("ph").GetString() is "b" or "e").ToList();
        Assert.Equal(5000, slice[0].GetProperty("ts").GetDouble());
        Assert.Equal(5042.5, slice[1].GetProperty("ts").GetDouble());
        var args = slice[1].GetProperty("args");
        Assert.Equal(42.5, args.GetProperty("latency_us").GetDouble());
        Assert.Equal(0, args.GetProperty("model_delay_us").GetDouble());
        Assert.Equal(JsonValueKind.Number, slice[0].GetProperty("args").GetProperty("size").ValueKind);
        Assert.Equal(8192, slice[0].GetProperty("args").GetProperty("size").GetInt64());
        Assert.Equal(1, exporter.MeasuredSlices);
    }

    [Fact]
    public void Export_StragglerAfterATimeout_FlowsFromTheInvalidationToTheViolation()
    {
        // Hope: the 50 ms timeout acknowledges anyway, the straggler 60 ms after the invalidation is a use-after-free.
        var options = TestTraces.Options(new FaultPolicy(
            new FaultRule { EveryNth = 1000, Limit = 1, Outcome = FaultOutcome.Drop, Stragglers = new StragglerSpec(1, Distribution.Fixed(0.06), Core.Dma.AccessKind.Write, 64) }),
            FencePolicy.Hope);
        options.InvalidationTimeout = TimeSpan.FromMilliseconds(50);

        using var doc = Export(TestTraces.Synthetic(3_000, options), out _);

        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var violation = events.Single(e => e.GetProperty("name").GetString() == "UAF violation");
        var req = violation.GetProperty("args").GetProperty("req").GetUInt64();
        // The story as the flows tell it: start -> finish pairs, followed from the invalidation's anchor slice.
        var flows = events.Where(e => Cat(e) == "flow").GroupBy(e => e.GetProperty("id").GetInt64())
            .ToDictionary(g => g.Single(e => e.GetProperty("ph").GetString() == "s").GetProperty("ts").GetDouble(),
                g => g.Single(e => e.GetProperty("ph").GetString() == "f").GetProperty("ts").GetDouble());
        var thread = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        var story = new List<string>();
        var at = thread.Single(e => e.GetProperty("name").GetString() == $"invalidation req {req}").GetProperty("ts").GetDouble();
        story.Add(Cat(thread.First(e => e.GetProperty("ts").GetDouble() == at))!);
        while (flows.TryGetValue(at, out var next))
        {
            // Several steps can share a time (a straggler and its violation): each flow goes to the next kind.
            var step = thread.Where(e => e.GetProperty("ts").GetDouble() == next && !story.Contains(Cat(e)!)).First();
            story.Add(Cat(step)!);
            flows.Remove(at);
            at = next;
        }

        Assert.Equal(["invalidation", "timeout", "straggler", "violation"], story);
        Assert.All(thread, e => Assert.Equal(2, e.GetProperty("pid").GetInt32()));
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
