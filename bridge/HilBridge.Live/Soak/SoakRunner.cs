using HilBridge.Scenarios.Json;
using System.Diagnostics;
using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Soak;

/// <summary>
/// The soak: the real guest writes, reads back and compares data continuously (recovery mode: an I/O
/// error makes it remove and rescan the device) while the bridge's fault policy changes epoch by
/// epoch under the fence policy. One guest run normally covers the whole duration; if the guest
/// stops early (a failed recovery, QEMU dying) another is booted for the time left, on the same
/// process, so the memory samples span the whole soak.
/// </summary>
public sealed class SoakRunner(SoakOptions options, LiveRunner runner, IProgress<string> progress)
{
    private static readonly TimeSpan MinimumRun = TimeSpan.FromSeconds(30);

    public async Task<SoakReport> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var tally = new SoakTally();
        var rss = new RssSampler();
        var policies = new SoakPolicies(options.Seed, options.EpochMin, options.EpochMax);
        var runs = new List<RunSummary>();
        var ioTime = TimeSpan.Zero;
        var fruitless = 0;
        while (!ct.IsCancellationRequested && options.Duration - ioTime >= MinimumRun && fruitless < 3)
        {
            var left = options.Duration - ioTime;
            var live = new LiveRunOptions
            {
                Scenario = Scenario(left, runs.Count),
                OutputDirectory = Path.Combine(options.OutputDirectory, $"run-{runs.Count + 1}"),
                RecordPath = options.Record ? "trace.hbt" : null,
                GuestKernel = options.GuestKernel,
                Iommu = options.Iommu,
            };
            live.Extensions.Add(new SoakController(policies, tally, rss, clock, options.SampleInterval));
            progress.Report($"soak: guest run {runs.Count + 1}, {left.TotalMinutes:F1} min of I/O to go");
            tally.OnRunStarted(runs.Count + 1);
            var roundsBefore = tally.Rounds;
            var summary = await runner.RunAsync(live, ct);
            runs.Add(summary);
            ioTime += TimeSpan.FromSeconds(summary.WallSeconds - (summary.BootSeconds ?? 0));
            fruitless = tally.Rounds == roundsBefore ? fruitless + 1 : 0;
            if (summary.Outcome != RunOutcome.Passed)
            {
                progress.Report($"soak: guest run {runs.Count} ended {summary.Outcome.ToText()}: {summary.Reason}");
            }
        }

        var report = Build(tally, rss.Samples, runs, clock.Elapsed);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "soak.json"),
            ResultJson.SerializeHeaded("soak", report), ct);
        await File.WriteAllLinesAsync(Path.Combine(options.OutputDirectory, "memory.tsv"),
            ["seconds\tvmrss_kb\trssanon_kb", .. rss.Samples.Select(s => $"{s.At.TotalSeconds:F0}\t{s.VmRssKb}\t{s.RssAnonKb}")], ct);
        return report;
    }

    private Scenario Scenario(TimeSpan left, int run)
    {
        var engine = new EngineOptions
        {
            FencePolicy = FencePolicy.Fence,
            FenceMode = FenceMode.BlockTranslated,
            InvalidationTimeout = EngineOptions.ArmSmmuV3Timeout,
            Seed = options.Seed + (ulong)run,
        };
        var seconds = (int)Math.Ceiling(left.TotalSeconds);
        var workload = $"hb.mode=recovery hb.duration={seconds} hb.blocks={options.Blocks} hb.max_recoveries=6";
        return new Scenario("soak", "random delay, drop, refusal and straggler policies under continuous guest I/O", engine, workload,
            left + TimeSpan.FromMinutes(10), [Expectation.Parse("violations", "== 0")], null);
    }

    private SoakReport Build(SoakTally tally, IReadOnlyList<RssSample> samples, List<RunSummary> runs, TimeSpan wall)
    {
        var (rssFirst, rssLast) = RssSampler.Quartiles(samples, s => s.VmRssKb);
        var (anonFirst, anonLast) = RssSampler.Quartiles(samples, s => s.RssAnonKb);
        long Sum(Func<BridgeStatistics, long> pick) => runs.Sum(r => pick(r.Bridge));
        return new SoakReport
        {
            RequestedSeconds = options.Duration.TotalSeconds,
            WallSeconds = wall.TotalSeconds,
            GuestRuns = runs.Count,
            GuestKernels = runs.Select(r => r.Kernel is { } k ? $"{k.Release} ({k.Source})" : "unknown").Distinct().ToList(),
            RunOutcomes = runs.Select(r => r.Reason is null ? r.Outcome.ToText() : $"{r.Outcome.ToText()} ({r.Reason})").ToList(),
            Rounds = tally.Rounds,
            RoundsVerified = tally.RoundsVerified,
            DataMismatches = tally.DataMismatches,
            Mismatches = tally.Mismatches,
            GuestIoErrors = tally.IoErrors,
            GuestRecoveries = tally.Recoveries,
            RecoveryFailures = tally.RecoveryFailures,
            Epochs = tally.Epochs,
            Requests = Sum(b => b.Requests),
            RequestErrors = Sum(b => b.RequestErrors),
            StatusUnwritten = Sum(b => b.StatusUnwritten),
            Invalidations = Sum(b => b.Engine.Invalidations),
            InvalidationsTimedOut = Sum(b => b.Engine.InvalidationsTimedOut),
            InvalidationsRefused = Sum(b => b.Engine.InvalidationsRefused),
            Fences = Sum(b => b.Engine.Fences),
            Unfences = Sum(b => b.Engine.Unfences),
            RefusedAccesses = Sum(b => b.Engine.RefusedAccesses),
            Violations = Sum(b => b.Engine.Violations),
            StragglersIssued = Sum(b => b.Engine.StragglersIssued),
            StragglersRefused = Sum(b => b.Engine.StragglersRefused),
            MemorySamples = samples.Count,
            PeakVmRssKb = samples.Count == 0 ? 0 : samples.Max(s => s.VmRssKb),
            VmRssFirstQuarterKb = rssFirst,
            VmRssLastQuarterKb = rssLast,
            RssAnonFirstQuarterKb = anonFirst,
            RssAnonLastQuarterKb = anonLast,
        };
    }
}
