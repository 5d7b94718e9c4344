using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Format;

public class AckMeasuredRecordTests
{
    [Fact]
    public void WriteAckMeasured_ReadBack_KeepsRequestLatencyAndTime()
    {
        var at = TestTraces.Start.AddMilliseconds(3);
        var trace = Write(w => w.WriteAckMeasured(at, new AckMeasurement(41, TimeSpan.FromTicks(1234))));

        var entry = Assert.Single(TestTraces.ReadAll(trace, out var reader), e => e.Kind == TraceRecordKind.AckMeasured);
        reader.Dispose();

        Assert.Equal(new AckMeasurement(41, TimeSpan.FromTicks(1234)), entry.Measurement);
        Assert.Equal(at, entry.At);
    }

    [Fact]
    public void EncodeAckMeasured_MatchesTheGeneratedCode()
    {
        var buffer = new byte[64];
        var w = new WireWriter(buffer, 0);
        RecordCodec.EncodeAckMeasured(ref w, -5, new AckMeasurement(300, TimeSpan.FromTicks(98765)));

        var parsed = TraceRecord.Parser.ParseFrom(buffer.AsSpan(0, w.Position).ToArray());

        Assert.Equal(-5, parsed.DtTicks);
        Assert.Equal(300UL, parsed.AckMeasured.RequestId);
        Assert.Equal(98765L, parsed.AckMeasured.LatencyTicks);
    }

    private static byte[] Write(Action<TraceWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, TestTraces.Header(TestTraces.Options()), leaveOpen: true))
        {
            write(writer);
            writer.Complete(TestTraces.Start.AddSeconds(1));
        }

        return stream.ToArray();
    }
}
