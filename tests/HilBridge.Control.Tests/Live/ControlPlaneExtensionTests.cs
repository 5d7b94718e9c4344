using HilBridge.Control.Live;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Live.Guest;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Control.Tests.Live;

/// <summary>The control plane of a live run without QEMU: a real bridge, server and client; guest reports raised by hand.</summary>
public sealed class ControlPlaneExtensionTests : IDisposable
{
    private readonly TestBridge _bridge = new();
    private readonly TempDirectory _runtime = new();

    public void Dispose()
    {
        _bridge.Dispose();
        _runtime.Dispose();
    }

    private LiveRunContext Context(string controlYaml) =>
        new(_bridge.Bridge, ScenarioLoader.Parse("name: ext\n" + controlYaml, "ext"), _runtime.Path, _bridge.Directory, new Progress<string>(), NullLoggerFactory.Instance);

    private static GuestReport Report(string kind) => new(kind, new Dictionary<string, string>(), TimeSpan.Zero);

    [Fact]
    public async Task Actions_OnTheirReports_GoThroughTheControlSocket()
    {
        var context = Context("""
            control:
              - name: drop-one
                when: round 1
                setPolicy: [{name: lost, everyNth: 20, limit: 1, outcome: drop}]
              - name: lab-fence
                when: round 2
                fence: from the lab
            """);
        var running = await new ControlPlaneExtension(new ControlPlaneOptions()).StartAsync(context, CancellationToken.None);
        var link = Path.Combine(_bridge.Directory, ControlPlaneExtension.SocketLinkName);
        Assert.Equal(Path.Combine(_runtime.Path, "control.sock"), new FileInfo(link).LinkTarget);

        context.OnGuestReport(Report("start"));
        context.OnGuestReport(Report("round"));
        await Until(() => _bridge.Bridge.Policy.Rules.Count == 1);
        Assert.False(_bridge.Bridge.FenceState.IsFenced);
        context.OnGuestReport(Report("round"));
        await Until(() => _bridge.Bridge.FenceState.IsFenced);
        await running.DisposeAsync();

        Assert.Null(context.Failure);
        Assert.Equal("from the lab", _bridge.Bridge.FenceState.Reason);
        var log = File.ReadAllText(Path.Combine(_bridge.Directory, "control-actions.log"));
        Assert.Contains("control action drop-one (after guest round 1): policy set (1 rules: lost)", log);
        Assert.Contains("control action lab-fence (after guest round 2): fenced (from the lab)", log);
        Assert.False(File.Exists(link));
        Assert.False(File.Exists(Path.Combine(_runtime.Path, "control.sock")));
    }

    [Fact]
    public async Task Action_ReportNeverCame_FailsTheRunNamingIt()
    {
        var context = Context("control:\n  - name: too-late\n    when: round 5\n    fence: never\n");
        var running = await new ControlPlaneExtension(new ControlPlaneOptions()).StartAsync(context, CancellationToken.None);

        context.OnGuestReport(Report("round"));
        await running.DisposeAsync();

        Assert.Equal("control action 'too-late' never ran: the guest never reported 'round 5'", context.Failure);
        Assert.False(_bridge.Bridge.FenceState.IsFenced);
    }

    [Fact]
    public async Task NoActions_ServesStatusAndLeavesNoFailure()
    {
        var context = Context("");
        var running = await new ControlPlaneExtension(new ControlPlaneOptions()).StartAsync(context, CancellationToken.None);
        using (var channel = Client.ControlChannel.Create(Path.Combine(_bridge.Directory, ControlPlaneExtension.SocketLinkName)))
        {
            context.OnGuestReport(Report("round"));
            var status = await new V1.Control.ControlClient(channel).GetStatusAsync(new V1.GetStatusRequest());
            Assert.Equal(("ext", 1, "round"), (status.Run.Scenario, status.Run.RoundsReported, status.Run.LastGuestReport));
        }
        await running.DisposeAsync();

        Assert.Null(context.Failure);
        Assert.False(File.Exists(Path.Combine(_bridge.Directory, "control-actions.log")));
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
