using System.Text.Json;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>`ctl --json` in the tool's one result shape: schemaVersion and result first, 64-bit counters as numbers, durations as *Us.</summary>
public sealed class ResultJsonCliTests
{
    [Fact]
    public async Task CtlCountersJson_AgainstServe_NumbersAndSchemaVersion()
    {
        using var dir = new TempDirectory();
        var socket = Path.Combine(dir.Path, "v.sock");
        using var serve = Hilbridge.Start("serve", "--socket", socket, "--disk", Path.Combine(dir.Path, "d.img"));
        for (var i = 0; i < 600 && !serve.Stdout.Contains("Control plane", StringComparison.Ordinal); i++)
        {
            Assert.False(serve.HasExited, serve.Describe());
            await Task.Delay(100);
        }

        using var ctl = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "ctl", "--socket", Path.ChangeExtension(socket, ".control.sock"), "counters", "--json");

        Assert.True(ctl.ExitCode == 0, ctl.Describe());
        using var json = JsonDocument.Parse(ctl.Stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("ctl.Counters", root.GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("fences").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("invalidations").ValueKind);

        // Enums as camelCase words, as in summary.json, not protobuf's FENCE_POLICY_FENCE.
        using var devices = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "ctl", "--socket", Path.ChangeExtension(socket, ".control.sock"), "devices", "--json");
        Assert.True(devices.ExitCode == 0, devices.Describe());
        var device = JsonDocument.Parse(devices.Stdout).RootElement.GetProperty("devices")[0];
        Assert.Equal(("fence", "blockTranslated"), (device.GetProperty("fencePolicy").GetString(), device.GetProperty("fenceMode").GetString()));
    }
}
