using System.Text.Json;
using HilBridge.Control.Recording;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;

namespace HilBridge.Control.Tests.EndToEnd;

/// <summary>
/// `hilbridge ctl` driving a live run end to end: a real `hilbridge run` (QEMU, guest, bridge, control
/// server on its UNIX socket) and the real client commands, checked by their effects on the run.
/// </summary>
[Collection(LiveCollection.Name)]
public class CtlLiveTests
{
    private const string Scenario = """
        name: ctl-live
        description: no faults until the test sets some through hilbridge ctl
        engine:
          timeout: arm-smmu-v3
          fencePolicy: fence
          seed: 4
        workload:
          mode: recovery
          rounds: 6
          pause: 1
        timeoutSeconds: 200
        """;

    [Fact]
    public async Task Ctl_LiveRun_StatusPolicyEventsFenceUnfenceRecording()
    {
        using var dir = new TempDirectory();
        var scenario = dir.File("ctl-live.yaml", Scenario);
        var output = Path.Combine(dir.Path, "run");
        var socket = Path.Combine(output, "control.sock");
        using var run = Hilbridge.Start("run", "--scenario", scenario, "--out", output);

        await Until(() => File.Exists(socket) || run.HasExited, TimeSpan.FromSeconds(120), "the control socket", run);
        Assert.False(run.HasExited, run.Describe());

        // Follow the fence events from the start: the policy below must cause a timeout, a fence and the recovery's unfence.
        using var events = Hilbridge.Start("ctl", "events", "--socket", socket, "--json", "--kind", "fences,timeout", "--count", "3", "--for", "150");

        var status = await Ctl(socket, "status");
        Assert.Equal("v1", status.GetProperty("apiVersion").GetString());
        Assert.Equal("ctl-live", status.GetProperty("run").GetProperty("scenario").GetString());
        var device = status.GetProperty("devices")[0];
        Assert.Equal("hbdev", device.GetProperty("name").GetString());
        Assert.False(device.GetProperty("fence").GetProperty("fenced").GetBoolean());
        Assert.Equal(0, device.GetProperty("policyRules").GetInt32());

        // Mid-run: wait for the guest's first round, then lose one invalidation.
        await Until(async () => (await Ctl(socket, "status")).GetProperty("run").GetProperty("roundsReported").GetInt32() >= 1, TimeSpan.FromSeconds(120), "the guest's first round", run);
        var set = await Ctl(socket, "set-policy", "--rules", "[{name: ctl-drop, everyNth: 10, limit: 1, outcome: drop}]");
        var rule = set.GetProperty("policy").GetProperty("rules")[0];
        Assert.Equal(("ctl-drop", 10), (rule.GetProperty("name").GetString(), rule.GetProperty("everyNth").GetInt32()));
        var policy = await Ctl(socket, "policy");
        Assert.Equal("drop", policy.GetProperty("rules")[0].GetProperty("outcome").GetString());

        await events.WaitAsync(TimeSpan.FromSeconds(160));
        Assert.True(events.ExitCode == 0, events.Describe() + "\nrun: " + run.Describe());
        var kinds = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["invalidationTimedOut", "fenced", "unfenced"], kinds);

        // A trace segment around a manual fence and unfence (the guest may recover first; then the unfence finds it unfenced).
        var recording = await Ctl(socket, "record-start", "--path", "ctl-segment.hbt");
        Assert.True(recording.GetProperty("active").GetBoolean());
        Assert.EndsWith("trace.hbt", recording.GetProperty("runTrace").GetString());
        var fenced = await Ctl(socket, "fence", "--reason", "ctl live test");
        Assert.True(fenced.GetProperty("fence").GetProperty("fenced").GetBoolean());
        Assert.Equal("ctl live test", fenced.GetProperty("fence").GetProperty("reason").GetString());
        var unfenced = await Ctl(socket, "unfence");
        Assert.False(unfenced.GetProperty("fence").GetProperty("fenced").GetBoolean());
        var stopped = await Ctl(socket, "record-stop");
        Assert.False(stopped.GetProperty("active").GetBoolean());
        Assert.True(stopped.GetProperty("records").GetInt64() > 0, stopped.ToString());
        Assert.Contains("ctl live test", SegmentFenceReasons(Path.Combine(output, "ctl-segment.hbt")));

        var counters = await Ctl(socket, "counters");
        Assert.True(counters.GetProperty("fences").GetInt64() >= 2, counters.ToString());
        Assert.True(counters.GetProperty("invalidationsTimedOut").GetInt64() >= 1, counters.ToString());
        Assert.Equal(0, counters.GetProperty("violations").GetInt64());

        await run.WaitAsync(TimeSpan.FromSeconds(240));
        Assert.True(run.ExitCode == 0, run.Describe());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        Assert.True(summary.RootElement.GetProperty("bridge").GetProperty("engine").GetProperty("fences").GetInt64() >= 2, run.Describe());
        Assert.Equal(0, summary.RootElement.GetProperty("bridge").GetProperty("engine").GetProperty("violations").GetInt64());
    }

    private static List<string?> SegmentFenceReasons(string path)
    {
        using var reader = TraceReader.Open(path);
        Assert.Equal(SegmentRecording.Source, reader.Header.Source);
        var reasons = new List<string?>();
        while (reader.TryRead(out var entry))
        {
            if (entry.Kind == TraceRecordKind.Effect && entry.Effect.Kind == EffectKind.Fenced)
            {
                reasons.Add(entry.Effect.Reason);
            }
        }
        Assert.Equal(TraceReadStatus.Complete, reader.Status);
        return reasons;
    }

    /// <summary>`hilbridge ctl COMMAND --json` against the run; must succeed.</summary>
    private static async Task<JsonElement> Ctl(string socket, params string[] args)
    {
        using var ctl = await Hilbridge.RunAsync(TimeSpan.FromSeconds(30), ["ctl", .. args, "--socket", socket, "--json"]);
        Assert.True(ctl.ExitCode == 0, $"ctl {string.Join(' ', args)}: {ctl.Describe()}");
        return JsonDocument.Parse(ctl.Stdout).RootElement.Clone();
    }

    private static Task Until(Func<bool> condition, TimeSpan timeout, string what, Hilbridge run) =>
        Until(() => Task.FromResult(condition()), timeout, what, run);

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what, Hilbridge run)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || run.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"waited {timeout.TotalSeconds} s for {what}; run: {run.Describe()}");
            }

            await Task.Delay(500);
        }
    }
}
