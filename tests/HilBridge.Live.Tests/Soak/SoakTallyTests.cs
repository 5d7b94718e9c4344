using HilBridge.Core.Engine;
using HilBridge.Live.Guest;
using HilBridge.Live.Soak;

namespace HilBridge.Live.Tests.Soak;

public sealed class SoakTallyTests
{
    private static void Feed(SoakTally tally, double soakSeconds, string line)
    {
        Assert.True(GuestConsoleParser.TryParse(line, TimeSpan.Zero, out var report));
        tally.OnReport(report, TimeSpan.FromSeconds(soakSeconds));
    }

    [Fact]
    public void OnReport_RoundReadBackDifferentData_NamesTheBlockWhatItHeldAndWhatCameBefore()
    {
        // The console of the soak that failed on 2026-12-06 (round 84), in the workload's current protocol.
        var tally = new SoakTally();
        tally.OnRunStarted(1);
        tally.OnEpoch(new SoakEpoch("stragglers", "invalidation #316: 1 late writes 1.28 s after it arrived", FaultPolicy.None, TimeSpan.FromSeconds(40)), TimeSpan.FromSeconds(1300));
        Feed(tally, 1312, "HB: ioerror n=84 attempt=1 phase=write block=235 uptime=1311.31");
        Feed(tally, 1318, "HB: recovered bdf=0000:01:00.0 seconds=0.63 uptime=1317.77");
        tally.OnEpoch(new SoakEpoch("healthy", "no faults", FaultPolicy.None, TimeSpan.FromSeconds(40)), TimeSpan.FromSeconds(1340));
        Feed(tally, 1455, "HB: mismatch n=84 attempt=2 block=235 offset=20 bytes=256 got=hb,round=84,attempt=1,block=235,offset=0,t=1301.02 uptime=1454.50");
        Feed(tally, 1455, "HB: round n=84 verified=0 write_ok=1 read_ok=1 uptime=1454.53");
        Feed(tally, 1470, "HB: round n=85 verified=1 write_ok=1 read_ok=1 uptime=1469.00");

        var m = Assert.Single(tally.Mismatches);
        Assert.Equal((1, 84, 2), (m.Run, m.Round, m.Attempt));
        Assert.StartsWith("healthy since soak 1340 s", m.Epoch, StringComparison.Ordinal);
        Assert.Equal(new SoakBlockMismatch(235, 20, 256, "hb,round=84,attempt=1,block=235,offset=0,t=1301.02"), Assert.Single(m.Blocks));
        Assert.Equal(["ioerror attempt=1 phase=write block=235", "recovered seconds=0.63"], m.Before.Select(e => e.What));
        Assert.StartsWith("stragglers since soak 1300 s", m.Before[0].Epoch, StringComparison.Ordinal);
        Assert.Contains("block 235 (offset 20, 256 bytes differ) holds hb,round=84,attempt=1", m.Describe(), StringComparison.Ordinal);
        Assert.Equal((2, 1, 1), (tally.Rounds, tally.RoundsVerified, tally.DataMismatches));
    }

    [Fact]
    public void OnReport_VerifiedRoundAfterARecovery_NoMismatchAndTheNextRoundStartsClean()
    {
        var tally = new SoakTally();
        tally.OnRunStarted(1);
        Feed(tally, 10, "HB: ioerror n=1 attempt=1 phase=read block=3 uptime=10.00");
        Feed(tally, 11, "HB: recovered bdf=0000:01:00.0 seconds=0.30 uptime=10.30");
        Feed(tally, 12, "HB: round n=1 verified=1 write_ok=1 read_ok=1 uptime=12.00");
        Feed(tally, 20, "HB: round n=2 verified=0 write_ok=1 read_ok=1 uptime=20.00");

        var m = Assert.Single(tally.Mismatches);
        Assert.Equal((2, 1), (m.Round, m.Attempt));
        Assert.Empty(m.Before);
        Assert.Empty(m.Blocks); // a guest from before the mismatch lines: the round alone
    }
}
