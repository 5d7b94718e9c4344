using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>
/// `hilbridge run` reads QEMU's console to its end after QEMU exits. The guest's result is often the last line,
/// and under load it was still in the pipe when a fixed 500 ms wait ran out: "QEMU exited before the guest
/// reported", with the data verified. Here a stand-in for QEMU exits at once and leaves a child that prints the
/// result a second later, as a slow pipe would deliver it. The stand-in sends no request through the bridge, so
/// the run fails (Judge.BridgeCarriedIo): read in time, its result makes the run failed for that reason with
/// the guest's rounds counted; lost, the run would be aborted before the guest reported.
/// </summary>
public sealed class ConsoleDrainTests
{
    [Fact]
    public async Task Run_ResultLineArrivesAfterQemuExited_IsReadAndJudged()
    {
        using var dir = new TempDirectory();
        var qemu = dir.File("qemu.sh", """
            #!/bin/sh
            echo "HB: start mode=verify blocks=16 rounds=1 uptime=1"
            echo "HB: round n=1 verified=1 write_ok=1 read_ok=1 uptime=2"
            ( sleep 1; echo "HB: result verified=1 rounds=1 failed=0 recoveries=0"; echo "HB: done" ) &
            exit 0

            """);
        File.SetUnixFileMode(qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var run = await Hilbridge.RunAsync(TimeSpan.FromSeconds(120), "run", "--qemu", qemu, "--out", Path.Combine(dir.Path, "out"));

        Assert.True(run.ExitCode == 1, run.Describe());
        Assert.Contains("verified (1/1 rounds", run.Stdout);
        Assert.Contains("outcome            failed (no virtio-blk request reached the bridge", run.Stdout);
    }
}
