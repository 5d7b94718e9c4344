using System.Net.Sockets;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>
/// The cases of issue 17 that used to print stack traces, .NET internals or nothing at all, run as a user
/// meets them: one line `hilbridge CMD: message` on stderr, the documented exit code (2 usage, 3 environment),
/// nothing announced and nothing left behind when the command could not start.
/// </summary>
public sealed class ErrorPathTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static void AssertOneLine(Hilbridge cli, int exitCode, string expected)
    {
        Assert.True(cli.ExitCode == exitCode, cli.Describe());
        Assert.Contains(expected, cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtlEvents_NegativeFor_UsageError()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "ctl", "--socket", "/nonexistent/control.sock", "events", "--for", "-1");

        AssertOneLine(cli, 2, "hilbridge ctl events: --for -1: give seconds in (0, 86400]");
    }

    [Fact]
    public async Task CtlEvents_ZeroCount_UsageError()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "ctl", "--socket", "/nonexistent/control.sock", "events", "--count", "0");

        AssertOneLine(cli, 2, "hilbridge ctl events: --count 0: give at least 1");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    public async Task CtlSetPolicy_NoRules_NeedsNone(string rules)
    {
        using var cli = await Hilbridge.RunAsync(Limit, "ctl", "--socket", "/nonexistent/control.sock", "set-policy", "--rules", rules);

        AssertOneLine(cli, 2, "hilbridge ctl set-policy: --rules holds no rules, which would remove every fault; say --none to mean that");
    }

    [Fact]
    public async Task Serve_SocketPathIsRegularFile_EnvironmentErrorNothingAnnouncedNoDiskLeft()
    {
        using var dir = new TempDirectory();
        var regular = dir.File("regular", "");
        var disk = Path.Combine(dir.Path, "disk.img");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", regular, "--disk", disk);

        AssertOneLine(cli, 3, $"hilbridge serve: cannot serve on {regular}: {regular} exists and is not a socket; refusing to replace it");
        Assert.Equal("", cli.Stdout);
        Assert.False(File.Exists(disk), "serve left its new disk image behind");
    }

    [Fact]
    public async Task Serve_SocketInUse_EnvironmentErrorNoDiskLeft()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "busy.sock");
        var disk = Path.Combine(dir.Path, "disk.img");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen(1);

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", socket, "--disk", disk);

        AssertOneLine(cli, 3, $"{socket} is in use by another listener");
        Assert.Equal("", cli.Stdout);
        Assert.False(File.Exists(disk));
    }

    [Fact]
    public async Task Serve_BindFails_NamesTheRealErrno()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "missing-dir", "v.sock");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", socket, "--disk", Path.Combine(dir.Path, "disk.img"));

        AssertOneLine(cli, 3, $"bind({socket}) failed: No such file or directory (errno 2)");
        Assert.False(File.Exists(Path.Combine(dir.Path, "disk.img")));
    }

    [Fact]
    public async Task Serve_NegativeDiskSize_UsageError()
    {
        using var dir = new TempDirectory();

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", Path.Combine(dir.Path, "v.sock"), "--disk", Path.Combine(dir.Path, "d.img"), "--disk-size", "-5");

        AssertOneLine(cli, 2, "hilbridge serve: --disk-size must be positive");
        Assert.Equal("", cli.Stdout);
    }

    [Fact]
    public async Task Serve_DiskIsADirectory_UsageErrorNothingAnnounced()
    {
        using var dir = new TempDirectory();
        var disk = Directory.CreateDirectory(Path.Combine(dir.Path, "adir")).FullName;

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", Path.Combine(dir.Path, "v.sock"), "--disk", disk);

        AssertOneLine(cli, 2, $"hilbridge serve: --disk {disk} is a directory");
        Assert.Equal("", cli.Stdout);
        Assert.False(File.Exists(Path.Combine(dir.Path, "v.sock")), "the socket stayed after the failed start");
    }

    [Fact]
    public async Task Serve_DiskInMissingDirectory_EnvironmentErrorNothingAnnounced()
    {
        using var dir = new TempDirectory();
        var disk = Path.Combine(dir.Path, "missing", "d.img");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", Path.Combine(dir.Path, "v.sock"), "--disk", disk);

        AssertOneLine(cli, 3, $"hilbridge serve: cannot serve on {Path.Combine(dir.Path, "v.sock")}: Could not find a part of the path '{disk}'");
        Assert.Equal("", cli.Stdout);
        Assert.False(File.Exists(Path.Combine(dir.Path, "v.sock")), "the socket stayed after the failed start");
    }

    [Fact]
    public async Task Serve_SocketPathTooLong_UsageError()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, new string('s', 120) + ".sock");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", socket, "--disk", Path.Combine(dir.Path, "d.img"));

        AssertOneLine(cli, 2, "a UNIX socket's path holds at most 107; choose a shorter one");
    }

    [Fact]
    public async Task Serve_FailureWithVerbose_PrintsTheStackTrace()
    {
        using var dir = new TempDirectory();
        var regular = dir.File("regular", "");

        using var cli = await Hilbridge.RunAsync(Limit, "serve", "--socket", regular, "--disk", Path.Combine(dir.Path, "d.img"), "-v");

        Assert.True(cli.ExitCode == 3, cli.Describe());
        Assert.Contains("   at ", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctl_PointedAtTheVhostUserSocket_OneLine()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "vhost.sock");
        using var serve = Hilbridge.Start("serve", "--socket", socket, "--disk", Path.Combine(dir.Path, "d.img"), "--no-control");
        for (var i = 0; i < 600 && !serve.Stdout.Contains("Attach QEMU", StringComparison.Ordinal); i++)
        {
            Assert.False(serve.HasExited, serve.Describe());
            await Task.Delay(100);
        }

        using var cli = await Hilbridge.RunAsync(Limit, "ctl", "--socket", socket, "status");

        AssertOneLine(cli, 3, $"hilbridge ctl status: {socket} is not a HilBridge control server");
        Assert.Single(cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task UnknownCommand_UsageError()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "bogus");

        AssertOneLine(cli, 2, "hilbridge: Unrecognized command or argument 'bogus'");
    }

    [Fact]
    public async Task Run_FlagNotANumber_UsageErrorInPlainWords()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "run", "--rounds", "abc");

        AssertOneLine(cli, 2, "hilbridge run: --rounds: 'abc' is not a whole number");
    }

    [Fact]
    public async Task Run_MisspelledScenarioKey_DidYouMeanWithLine()
    {
        using var dir = new TempDirectory();
        var file = dir.File("typo.yaml", "name: typo\nengine:\n  fencePolicyy: fence\n");

        using var cli = await Hilbridge.RunAsync(Limit, "run", "--scenario", file);

        AssertOneLine(cli, 2, $"hilbridge run: {file}: line 3: unknown key 'fencePolicyy' in engine (did you mean 'fencePolicy'?)");
    }

    [Fact]
    public async Task Run_ScenarioValueOfWrongType_SaysWhatWasExpected()
    {
        using var dir = new TempDirectory();
        var file = dir.File("cast.yaml", "name: cast\ntimeoutSeconds: abc\n");

        using var cli = await Hilbridge.RunAsync(Limit, "run", "--scenario", file);

        AssertOneLine(cli, 2, $"hilbridge run: {file}: line 2: timeoutSeconds: 'abc' is not a whole number");
    }

    [Fact]
    public async Task Run_UniformWithMinAboveMax_NoParameterNames()
    {
        using var dir = new TempDirectory();
        var file = dir.File("uniform.yaml", "name: u\nrules:\n  - name: slow\n    delay: uniform 5ms 1ms\n");

        using var cli = await Hilbridge.RunAsync(Limit, "run", "--scenario", file);

        AssertOneLine(cli, 2, "rules[0].delay: 'uniform 5ms 1ms': uniform MIN MAX needs MIN <= MAX");
    }

    [Fact]
    public async Task ScenarioCheck_ShippedScenarios_AllValid()
    {
        var files = Directory.GetFiles(Path.Combine(Hilbridge.RepositoryRoot(), "scenarios"), "*.yaml");

        using var cli = await Hilbridge.RunAsync(Limit, ["scenario", "check", .. files]);

        Assert.True(cli.ExitCode == 0, cli.Describe());
        Assert.Equal(files.Length, cli.Stdout.Split('\n').Count(l => l.Contains(": ok (scenario ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ScenarioCheck_OneBadFile_UsageErrorWithItsLine()
    {
        using var dir = new TempDirectory();
        var good = Path.Combine(Hilbridge.RepositoryRoot(), "scenarios", "drop-fence.yaml");
        var bad = dir.File("bad.yaml", "name: bad\nrules:\n  - name: x\n    outcom: drop\n");

        using var cli = await Hilbridge.RunAsync(Limit, "scenario", "check", good, bad);

        AssertOneLine(cli, 2, $"hilbridge scenario check: {bad}: line 4: unknown key 'outcom' in a rule (did you mean 'outcome'?)");
        Assert.Contains($"{good}: ok", cli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_OwnText_NoRunOutputFolder()
    {
        using var serve = await Hilbridge.RunAsync(Limit, "serve", "--help");
        using var run = await Hilbridge.RunAsync(Limit, "run", "--help");

        Assert.Equal(0, serve.ExitCode);
        Assert.Contains("for a QEMU you launch yourself", serve.Stdout, StringComparison.Ordinal);
        Assert.Contains("<socket>.control.token", serve.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<out>/", serve.Stdout, StringComparison.Ordinal);
        Assert.Contains("<out>/control.token", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Soak_OldRecordSpelling_WarnsDeprecated()
    {
        using var cli = await Hilbridge.RunAsync(Limit, "soak", "10m", "--record", "--epoch-min", "0");

        Assert.Contains("hilbridge soak: warning: --record is deprecated here, say --record-traces", cli.Stderr, StringComparison.Ordinal);
        Assert.True(cli.ExitCode == 2, cli.Describe());
    }
}
