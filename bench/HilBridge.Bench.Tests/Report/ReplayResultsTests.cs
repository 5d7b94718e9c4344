using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

public class ReplayResultsTests
{
    private const string Output = """
        machine: 2 cores, Debian GNU/Linux 12 (bookworm), .NET 10.0.12
        trace:   10,000,002 records (10,000,001 engine events), 205.4 MB, $HILBRIDGE_BENCH_WORK/replay.hbt

        round 1  replay (exact, engine + compare)     10,000,002 records in   5.87 s =  1.70 M/s, peak RSS 63 MB, allocated 464.1 MB, GCs gen0 27 gen2 0

        best of 3 (events/s), worst (RSS)           events/s    peak RSS   alloc/event
        replay (exact, engine + compare)              2.50 M       79 MB        46.4 B
        decode only (TraceReader)                     9.07 M       72 MB         0.0 B
        Google.Protobuf parse (peer)                 10.61 M       77 MB       139.3 B

        replay / Google.Protobuf parse of the same file: 0.24x   (decode alone / Google.Protobuf: 0.85x)
        constant memory: replay peak RSS 83 MB for 1,000,002 events, 79 MB for 10,000,002 events
        target >= 1 M events/s on replay: met (2.50 M events/s)
        """;

    [Fact]
    public void Parse_BenchReplayOutput_TableRowsAndNotes()
    {
        var r = ReplayResults.Parse(Output);

        Assert.Equal(3, r.Rows.Count);
        Assert.Equal(new ReplayRow("replay (exact, engine + compare)", 2.50, 79, 46.4), r.Rows[0]);
        Assert.Equal(10.61, r.Rows[2].MillionEventsPerSecond);
        Assert.Equal(2.50, r.ReplayMillionEventsPerSecond);
        Assert.Contains(r.Notes, n => n.StartsWith("constant memory", StringComparison.Ordinal));
        Assert.Equal(4, r.Notes.Count);
    }

    [Fact]
    public void Parse_UnknownOutput_NoRowsRawKept()
    {
        var r = ReplayResults.Parse("something else entirely");

        Assert.Empty(r.Rows);
        Assert.Null(r.ReplayMillionEventsPerSecond);
        Assert.Equal("something else entirely", r.Raw);
    }
}
