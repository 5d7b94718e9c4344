using HilBridge.Bench.Guest;
using HilBridge.Live.Guest;

namespace HilBridge.Bench.Tests.Guest;

public class GuestLineTests
{
    [Fact]
    public void Parse_BenchLine_AllFields()
    {
        const string line = "HB: bench test=randread bs=4096 ops=6900 bytes=28262400 seconds=5.001 mbps=5.65 iops=1379.7 lat_p50_us=658 lat_p99_us=1311 errors=0 bad_blocks=0";
        Assert.True(GuestConsoleParser.TryParse(line, TimeSpan.Zero, out var report));

        var t = GuestBootRunner.Parse(report.Fields);

        Assert.Equal(new GuestTestResult("randread", 4096, 6900, 5.001, 5.65, 1379.7, 658, 1311, 0, 0), t);
    }

    [Fact]
    public void Parse_MissingFields_MarkedNotZero()
    {
        Assert.True(GuestConsoleParser.TryParse("HB: bench test=seqread", TimeSpan.Zero, out var report));

        var t = GuestBootRunner.Parse(report.Fields);

        Assert.True(double.IsNaN(t.Iops));
        Assert.Equal(-1, t.Errors);
    }
}
