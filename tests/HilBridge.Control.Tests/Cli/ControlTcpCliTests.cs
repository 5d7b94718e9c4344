using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>`hilbridge serve --control-tcp` as a user runs it: token beside the socket, ctl with and without it, and a non-loopback bind.</summary>
public sealed class ControlTcpCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-ctltcp-").FullName;

    [Fact]
    public async Task Serve_ControlTcp_CtlNeedsTheTokenFileWrittenOwnerOnly()
    {
        var socket = Path.Combine(_dir, "hb.sock");
        var tokenFile = Path.Combine(_dir, "hb.control.token");
        using var serve = Hilbridge.Start("serve", "--socket", socket, "--disk", Path.Combine(_dir, "disk.img"), "--control-tcp", "0");
        var address = await WaitForAddressAsync(serve);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        using var without = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "ctl", "devices", "--address", address);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("no token given", without.Stderr);
        using var with = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "ctl", "devices", "--address", address, "--token-file", tokenFile);
        Assert.True(with.ExitCode == 0, with.Describe());
        Assert.Contains("hbdev", with.Stdout);
    }

    [Fact]
    public async Task Serve_ControlTcpNonLoopbackWithoutFlag_UsageErrorThatSaysSo()
    {
        using var serve = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "serve", "--socket", Path.Combine(_dir, "hb.sock"), "--disk", Path.Combine(_dir, "disk.img"), "--control-tcp", "0.0.0.0:0");

        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("not a loopback address", serve.Stderr);
        Assert.Contains("--control-allow-remote", serve.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "hb.sock")));
    }

    private static async Task<string> WaitForAddressAsync(Hilbridge serve)
    {
        const string marker = "Control plane (hilbridge ctl --socket/--address): ";
        for (var i = 0; i < 600 && !serve.HasExited; i++)
        {
            var line = serve.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(marker, StringComparison.Ordinal));
            if (line is not null)
            {
                return line[marker.Length..].Trim();
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("serve printed no control address: " + serve.Describe());
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
