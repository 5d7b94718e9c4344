using HilBridge.Live.Guest;

namespace HilBridge.Live.Tests.Guest;

public class GuestConsoleParserTests
{
    [Fact]
    public void TryParse_RoundLineWithCarriageReturn_ReadsKindAndFields()
    {
        Assert.True(GuestConsoleParser.TryParse("HB: round n=2 verified=1 write_ok=1 read_ok=0 uptime=9.98\r", TimeSpan.FromSeconds(3), out var report));
        Assert.Equal("round", report.Kind);
        Assert.Equal(2, report.GetLong("n"));
        Assert.True(report.GetFlag("verified"));
        Assert.False(report.GetFlag("read_ok"));
        Assert.Equal(9.98, report.GetDouble("uptime"), 3);
    }

    [Theory]
    [InlineData("[    7.8] virtio_blk virtio0: [vda] 131072 512-byte logical blocks")]
    [InlineData("HB:")]
    [InlineData("HB: key=value")]
    [InlineData("")]
    public void TryParse_NotAReport_ReturnsFalse(string line) =>
        Assert.False(GuestConsoleParser.TryParse(line, TimeSpan.Zero, out _));

    [Fact]
    public void Apply_RecoveryRunReports_FoldsIntoOutcome()
    {
        var outcome = new GuestOutcome();
        foreach (var line in new[]
        {
            "HB: start mode=recovery blocks=256 rounds=2 uptime=6.7",
            "HB: ioerror n=1 uptime=8.3",
            "HB: recovered bdf=0000:01:00.0 seconds=0.19 uptime=8.6",
            "HB: round n=1 verified=1 write_ok=1 read_ok=1 uptime=9",
            "HB: round n=2 verified=0 write_ok=1 read_ok=1 uptime=10",
            "HB: result verified=0 rounds=2 failed=1 recoveries=1",
            "HB: done",
        })
        {
            Assert.True(GuestConsoleParser.TryParse(line, TimeSpan.FromSeconds(1), out var report));
            outcome.Apply(report);
        }
        Assert.Equal(6.7, outcome.GuestUptimeAtStart);
        Assert.Equal(1, outcome.IoErrors);
        Assert.Equal(1, outcome.Recoveries);
        Assert.Equal([0.19], outcome.RecoverySeconds);
        Assert.Equal(2, outcome.RoundsReported);
        Assert.Equal(1, outcome.RoundsVerified);
        Assert.False(outcome.Verified);
        Assert.True(outcome.Done);
    }
}
