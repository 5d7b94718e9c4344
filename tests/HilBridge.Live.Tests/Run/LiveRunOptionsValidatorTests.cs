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

    [Fact]
    public void Validate_UnknownGuestKernel_FailsNamingTheFlag()
    {
        var result = Validator.Validate(null, new LiveRunOptions { GuestKernel = "testing" });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("--guest-kernel (Run:GuestKernel): guest kernel 'testing': not stable, unstable", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GuestKernelAndKernel_FailsAskingForOne()
    {
        var result = Validator.Validate(null, new LiveRunOptions { GuestKernel = "unstable", Kernel = "/k", Initrd = "/i" });

        Assert.Equal("--guest-kernel and --kernel/--initrd both choose the kernel: give one", Assert.Single(result.Failures!));
    }
}
