using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;

namespace HilBridge.EndToEnd.Tests;

/// <summary>
/// Issue 14: the guest kernel's own fence. The reference quarantine series
/// (qemu-scripts/kernel-patches/quarantine, built from source by build-kernel.sh; tests/test.sh builds it
/// before the tests) clears the device's STE.EATS when an ATC invalidation fails, so the late write the
/// stock kernels let through (see <see cref="GuestVisibleAtsTests"/>) is refused, and a reset lifts it.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class QuarantineKernelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LateWrite_QuarantineKernel_RefusedByTheGuestsSteNoUseAfterFreeAtsBackAfterReset()
    {
        var scripts = new RepositoryLayout(new HostPathsOptions()).FindScriptsDirectory();
        var kernel = "build:" + Path.Combine(scripts, "kernel-patches", "quarantine");
        // The kernel first, outside the run's time limit: a cold source build takes minutes.
        var image = await GuestImageProvider.EnsureAsync(scripts, GuestKernelSpec.Parse(kernel), line => output.WriteLine(line), CancellationToken.None);

        var summary = await LiveRun.ExecuteAsync(Scenarios.ScenarioLoader.Load(LiveRun.ScenarioPath("quarantine-stragglers")), output, kernel);

        Assert.True(summary.Passed, summary.Reason);
        Assert.Equal(image.KernelInfo, summary.Kernel);
        Assert.Contains("+ 3 patches", summary.Kernel!.Detail, StringComparison.Ordinal);
        // The engine's witness: the straggler came after the guest's STE fence and was refused.
        Assert.Equal((0L, 0L), (summary.Bridge.Engine.Violations, summary.Bridge.StragglerBytesWritten));
        Assert.True(summary.Bridge.Engine.StragglersRefused >= 1);
        Assert.True(summary.AtsPort!.SteFences >= 1 && summary.AtsPort.SteUnfences >= 1, "fenced by the guest's STE, unfenced by the re-attach");
        Assert.True(summary.Bridge.Engine.GuestQuarantines >= 1, "the fence was a quarantine (EATS cleared), not a reset's block");
        Assert.Equal(0, summary.Bridge.Engine.BridgeFences);
        // The ordering rule, from the SMMU's own reports: the failed flush completed only after the fence.
        Assert.True(summary.AtsPort.FailedFlushes >= 1);
        Assert.Equal(summary.AtsPort.FailedFlushes, summary.AtsPort.FlushesCompletedFenced);
        Assert.Equal(0, summary.AtsPort.FlushesCompletedUnfenced);
        // The guest's witness after the reset: ATS back on, data verified, nothing changed under it.
        Assert.True(summary.GuestRecoveries >= 1 && summary.RoundsVerified >= 1);
        Assert.True(summary.GuestWitnessRounds >= 1);
        Assert.Equal(0, summary.GuestCorruptions);
    }
}
