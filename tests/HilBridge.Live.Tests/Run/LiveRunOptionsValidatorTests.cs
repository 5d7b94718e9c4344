using HilBridge.Live.Run;

namespace HilBridge.Live.Tests.Run;

public sealed class LiveRunOptionsValidatorTests
{
    private static readonly LiveRunOptionsValidator Validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(Validator.Validate(null, new LiveRunOptions()).Succeeded);
    }

    [Fact]
    public void Validate_KernelWithoutInitrd_FailsNamingBothFlags()
    {
        var result = Validator.Validate(null, new LiveRunOptions { Kernel = "/boot/vmlinuz" });

        Assert.True(result.Failed);
        Assert.Equal("--kernel and --initrd go together", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_EmptyQemuBinaryAndNoCpus_ReportsEveryFailure()
    {
        var result = Validator.Validate(null, new LiveRunOptions { Qemu = new() { Binary = " ", Cpus = 0 } });

        Assert.Contains("--qemu (Run:Qemu:Binary) is empty", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("Run:Qemu:Cpus is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ZeroDiskSize_Fails()
    {
        var result = Validator.Validate(null, new LiveRunOptions { Bridge = new() { DiskSizeBytes = 0 } });

        Assert.Contains(result.Failures!, f => f.StartsWith("Run:Bridge:DiskSizeBytes is 0", StringComparison.Ordinal));
    }
}
