using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Scenarios;

namespace HilBridge.EndToEnd.Tests;

/// <summary>
/// Issue 13: the guest-visible ATS scenario on kernels other than Debian stable's: Debian unstable's
/// newest binary (private apt configuration, cached) and a trimmed kernel built from source with an
/// empty patch series (qemu-scripts/build-kernel.sh: minutes the first time, cached after; tests/test.sh
/// builds it before the tests). Each run must name its kernel and reach the same verdict as on 6.1.
/// </summary>
[Collection(LiveGuestCollection.Name)]
public sealed class GuestKernelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StragglersPastTimeout_UnstableKernel_NamedAndSameVerdict()
    {
        var summary = await RunAsync("unstable");

        Assert.Equal("unstable", summary.Kernel!.Source);
        Assert.StartsWith("linux-image-", summary.Kernel.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StragglersPastTimeout_SourceBuiltKernelNoPatches_NamedAndSameVerdict()
    {
        var patches = Directory.CreateTempSubdirectory("hilbridge-no-patches-");
        try
        {
            var summary = await RunAsync("build:" + patches.FullName);

            Assert.Equal("build", summary.Kernel!.Source);
            Assert.Contains("+ 0 patches", summary.Kernel.Detail, StringComparison.Ordinal);
        }
        finally
        {
            patches.Delete();
        }
    }

    private async Task<RunSummary> RunAsync(string kernel)
    {
        // The kernel first, outside the run's time limit: a cold source build takes minutes.
        var scripts = new RepositoryLayout(new HostPathsOptions()).FindScriptsDirectory();
        var image = await GuestImageProvider.EnsureAsync(scripts, GuestKernelSpec.Parse(kernel), line => output.WriteLine(line), CancellationToken.None);
        output.WriteLine($"guest {image.KernelInfo}");

        var scenario = ScenarioLoader.Load(LiveRun.ScenarioPath("ats-stragglers-timeout"));
        var summary = await LiveRun.ExecuteAsync(scenario, output, kernel);

        Assert.True(summary.Passed, $"{kernel}: {summary.Reason}");
        Assert.All(summary.Expectations, e => Assert.True(e.Passed, e.ToString()));
        Assert.Equal(image.KernelInfo, summary.Kernel);
        Assert.StartsWith("7.", summary.Kernel!.Release, StringComparison.Ordinal);
        // The kernel's own arm-smmu-v3 enabled ATS and its CMD_ATC_INV crossed the port.
        Assert.True(summary.AtsPort!.AtcInvalidations > 1000, $"only {summary.AtsPort.AtcInvalidations} ATC_INV");
        Assert.True(summary.GuestAtcInvalidateTimeouts >= 1, "no 'ATC invalidate timeout' from the guest");
        return summary;
    }
}
