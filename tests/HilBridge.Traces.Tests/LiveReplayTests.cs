using HilBridge.Cli;
using HilBridge.Core.Engine;
using HilBridge.Live.Replay;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using HilBridge.Traces.Format;
using HilBridge.Traces.Replay;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Traces.Tests;

/// <summary>Runs after this assembly's unit tests, alone: a TCG guest on 2 cores must not share them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveReplayCollection
{
    public const string Name = "live replay";
}

/// <summary>
/// Every shipped scenario, live: the run must pass (each of its expectations met), and it records its
/// trace (on by default); then an exact replay must reproduce every decision and the run's verdict.
/// A failed or aborted live run is a failure here, not something to replay faithfully: replay equality
/// of a wrong verdict proves nothing about the scenario. One live run per scenario, on the trimmed
/// kernel built from source (`build`, boots in ~2 s where Debian's take ~8-20 s; the same scenarios run
/// on Debian stable's kernel in the EndToEnd project's ShippedScenarioTests, so both kernels pass them; the VT-d
/// scenarios boot their x86_64 Debian stable guest).
/// </summary>
[Collection(LiveReplayCollection.Name)]
public sealed class LiveReplayTests(ITestOutputHelper output)
{
    /// <summary>
    /// The shipped scenarios that run on stock QEMU. Guest-visible ATS scenarios need the patched QEMU
    /// (qemu-scripts/build-qemu.sh, minutes to build) and are covered by their own live tests.
    /// </summary>
    public static TheoryData<string> Scenarios() => new(
        Directory.GetFiles(RepositoryFile("scenarios"), "*.yaml")
            .Where(path => !ScenarioLoader.Load(path).GuestVisibleAts)
            .Select(path => Path.GetFileNameWithoutExtension(path)!)
            .Order()
            .ToArray());

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task LiveRun_Recorded_ReplaysToTheSameDecisionsAndVerdict(string name)
    {
        var scenario = ScenarioLoader.Load(Path.Combine(RepositoryFile("scenarios"), name + ".yaml"));
        var options = new LiveRunOptions
        {
            Scenario = scenario,
            // The arm64 trimmed kernel behind SMMUv3; VT-d's x86_64 guest has Debian stable's kernel only.
            GuestKernel = scenario.Iommu == IommuKind.SmmuV3 ? "build" : null,
            OutputDirectory = Path.Combine(Path.GetTempPath(), "hilbridge-tests", "replay-" + name + "-" + Guid.NewGuid().ToString("N")[..8]),
        };
        var runner = new LiveRunner(LiveRunPlanner.ForRepository(), NullLoggerFactory.Instance, TimeProvider.System,
            new Progress<string>(line => { try { output.WriteLine(line); } catch (InvalidOperationException) { } }));
        using var cts = new CancellationTokenSource(scenario.Timeout + TimeSpan.FromMinutes(2));
        var live = await runner.RunAsync(options, cts.Token);
        output.WriteLine(live.Render());
        Assert.NotEmpty(live.Expectations); // a scenario with nothing to check would pass by default
        Assert.True(live.Outcome == RunOutcome.Passed, $"the live run must pass before its replay means anything:\n{live.Render()}");
        Assert.All(live.Expectations, e => Assert.True(e.Passed, e.ToString()));

        var path = Path.Combine(options.OutputDirectory, options.RecordPath!);
        using var reader = TraceReader.Open(path);
        var replay = TraceReplayer.Run(reader);
        output.WriteLine($"{reader.RecordsRead} records, {replay.Recorded.Inputs} inputs, {replay.Recorded.Effects} effects");

        Assert.True(replay.Reproduced, replay.Mismatch?.ToString() ?? $"{reader.Status}: {reader.Problem}");
        Assert.Equal(TraceReadStatus.Complete, reader.Status); // the recorder closed the trace: nothing was cut off
        Assert.Equal(scenario.Name, reader.Header.Scenario);
        Assert.Equal(scenario.Engine.Seed, reader.Header.Engine.Seed);
        Assert.True(reader.Header.Versions.ContainsKey("QEMU_VERSION"), "the header carries the guest's versions");
        Assert.True(replay.Recorded.Result(AccessResult.Hit) > 1000, "accesses are recorded with their results");
        Assert.Equal(0, replay.Recorded.AccessesWithoutResult);

        // The decisions the live verdict was judged on, recomputed by the replayed engine.
        var c = replay.CountersAtRunEnd!;
        Assert.Equal(live.Bridge.Engine.Fences, c.Fences);
        Assert.Equal(live.Bridge.Engine.Unfences, c.Unfences);
        Assert.Equal(live.Bridge.Engine.Violations, c.Violations);
        Assert.Equal(live.Bridge.Engine.InvalidationsAcked, c.InvalidationsAcked);
        Assert.Equal(live.Bridge.Engine.InvalidationsTimedOut, c.InvalidationsTimedOut);
        Assert.Equal(live.Bridge.Engine.StragglersRefused, c.StragglersRefused);
        Assert.Equal(live.Bridge.Engine.RefusedAccesses, c.RefusedAccesses);

        var verdict = TraceVerdict.Judge(replay, reader.Header);
        Assert.NotNull(verdict);
        Assert.Equal(live.Outcome, verdict!.Recorded);
        Assert.Equal(live.Outcome, verdict.Replayed);
        Assert.Equal(live.Expectations.Select(e => e.ToString()), verdict.Expectations.Select(e => e.ToString()));

        // The same traffic under the other fence policy: what-if runs on the recording alone (no guest).
        var other = scenario.Engine.FencePolicy == FencePolicy.Fence ? FencePolicy.Hope : FencePolicy.Fence;
        using var again = TraceReader.Open(path);
        var whatIf = TraceReplayer.Run(again, new ReplayOptions { FencePolicy = other });
        output.WriteLine($"what-if {other}: fences {whatIf.Recorded.Fences} -> {whatIf.Replayed.Fences}, violations {whatIf.Recorded.Violations} -> {whatIf.Replayed.Violations}");
        Assert.Equal(replay.Recorded.Input(EngineInputKind.IotlbInvalidate), whatIf.Replayed.Input(EngineInputKind.IotlbInvalidate));
        if (other == FencePolicy.Hope)
        {
            Assert.Equal(0, whatIf.Replayed.Fences);
        }
        else if (live.Bridge.Engine.Violations > 0)
        {
            Assert.Equal(0, whatIf.Replayed.Violations);
        }

        try { Directory.Delete(options.OutputDirectory, recursive: true); } catch (IOException) { }
    }

    private static string RepositoryFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, name);
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "HilBridge.sln")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}
