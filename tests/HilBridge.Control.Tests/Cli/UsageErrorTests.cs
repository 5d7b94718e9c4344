using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>
/// Bad flags and bad HILBRIDGE_ variables, as a user meets them: `hilbridge CMD: message` on stderr, exit
/// code 2, no stack trace, and nothing started (no guest is booted, no socket made).
/// </summary>
public sealed class UsageErrorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static void AssertUsageError(Hilbridge cli, string expected)
    {
        Assert.True(cli.ExitCode == 2, cli.Describe());
        Assert.Contains(expected, cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Soak_EpochMinFlagZero_UsageErrorBeforeAnyGuest()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "soak", "10m", "--epoch-min", "0");

        AssertUsageError(cli, "hilbridge soak: need 1 <= --epoch-min <= --epoch-max and --blocks >= 1");
    }

    [Fact]
    public async Task Soak_BlocksVariableZero_UsageError()
    {
        using var cli = await Hilbridge.RunAsync(Limit, new Dictionary<string, string> { ["HILBRIDGE_SOAK__BLOCKS"] = "0" }, "soak", "10m");

        AssertUsageError(cli, "hilbridge soak: need 1 <= --epoch-min <= --epoch-max and --blocks >= 1");
    }

    [Fact]
    public async Task Run_KernelWithoutInitrd_UsageError()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "run", "--kernel", "/boot/vmlinuz");

        AssertUsageError(cli, "hilbridge run: --kernel and --initrd go together");
    }

    [Fact]
    public async Task Run_VariableThatDoesNotConvert_UsageErrorNamingTheKey()
    {
        using var cli = await Hilbridge.RunAsync(Limit, new Dictionary<string, string> { ["HILBRIDGE_RUN__QEMU__CPUS"] = "two" },
            "run", "--kernel", "/boot/vmlinuz", "--initrd", "/boot/initrd.gz");

        AssertUsageError(cli, "hilbridge run: Run:Qemu:Cpus (HILBRIDGE_RUN__QEMU__CPUS): 'two' is not a whole number");
    }

    [Fact]
    public async Task Serve_ZeroDiskSize_UsageErrorAndNoSocket()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "vhost.sock");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", socket, "--disk", Path.Combine(dir.Path, "disk.img"), "--disk-size", "0");

        AssertUsageError(cli, "hilbridge serve: --disk-size must be positive");
        Assert.False(File.Exists(socket));
    }
}
