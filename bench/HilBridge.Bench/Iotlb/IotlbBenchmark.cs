using System.Text.Json;
using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>
/// Part 1: every harness against every peer, for several rounds. A block is one (harness, peer) pair;
/// within a round the blocks run in the order of a Williams design (<see cref="BalancedOrder"/>): over
/// the run every block runs in every position, and after every other block, equally often, so drift in
/// machine load and the traces one block leaves for the next spread evenly. Peers stay up for the
/// whole run; each harness run is a fresh connection with its own warm-up.
/// </summary>
internal sealed class IotlbBenchmark(IotlbSettings settings, string cHarness, string outputDirectory, Action<string> progress)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    public IotlbResults Run(IReadOnlyList<IotlbPeer> peers)
    {
        var raw = Path.Combine(outputDirectory, "raw");
        Directory.CreateDirectory(raw);
        foreach (var peer in peers)
        {
            progress($"starting {peer.Name}: {peer.Description}{(peer.Cpus is null ? "" : $" on CPU {peer.Cpus}")}");
            peer.Start();
        }

        var blocks = settings.Harnesses.SelectMany(h => peers.Select(p => (Harness: h, Peer: p))).ToList();

        // Unrecorded rounds first: every peer reaches its steady state (the bridge's JIT tiers up,
        // caches and pools fill) before anything counts, as in a guest that has been running a while.
        for (var round = 0; round < settings.WarmupRounds; round++)
        {
            foreach (var (harness, peer) in blocks)
            {
                progress($"warm-up round {round + 1}/{settings.WarmupRounds}: {harness} harness -> {peer.Name}");
                RunHarness(harness, peer, Path.Combine(raw, $"warmup-{harness}-{peer.Name}-r{round + 1}"), $"warmup-{harness}-{peer.Name}", out _, out _);
            }
        }

        var samples = new Dictionary<(string, string), CellSamples>();
        var order = new List<string>();
        var measured = new List<IotlbBlock>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var position = 0;
            foreach (var index in BalancedOrder.ForRound(blocks.Count, round))
            {
                var (harness, peer) = blocks[index];
                var label = $"{harness}-{peer.Name}-r{round + 1}";
                order.Add(label);
                progress($"round {round + 1}/{settings.Rounds}: {harness} harness -> {peer.Name}");
                var prefix = Path.Combine(raw, label);
                var summary = RunHarness(harness, peer, prefix, label, out var window, out var block);
                measured.Add(block with { Round = round + 1, Position = ++position });
                var cell = samples.TryGetValue((harness, peer.Name), out var c) ? c : samples[(harness, peer.Name)] = new CellSamples(peer);
                cell.Add(prefix, summary, window, settings);
            }
        }

        var bridgeStats = peers.OfType<HilBridgePeer>().FirstOrDefault()?.Statistics();
        var cells = samples.Select(kv => kv.Value.ToCell(kv.Key.Item1)).ToList();
        return new IotlbResults(settings, cells, order, bridgeStats, measured);
    }

    private JsonElement RunHarness(string harness, IotlbPeer peer, string prefix, string label, out AllocationWindow? window, out IotlbBlock block)
    {
        var args = new HarnessArguments(peer.Socket, peer.Raw, peer.Rings, settings.Warmup, settings.Iterations, settings.Burst, settings.Bursts,
            prefix, Sync: true, label).ToCommandLine();
        var (file, list) = harness switch
        {
            "c" => (cHarness, args.ToList()),
            "csharp" => SelfCommand.For(["frontend", .. args]),
            _ => throw new BenchException($"unknown harness {harness}"),
        };
        using var process = ChildProcess.Start(label, file, list, Path.Combine(outputDirectory, "raw", label + ".log"), logStdout: true, cpus: settings.HarnessCpus);
        process.ReadLineStartingWith("READY", StepTimeout);
        int[] ours = [Environment.ProcessId, process.Id, .. peer.ProcessId is { } pid ? [pid] : Array.Empty<int>()];
        var cpuStart = CpuAccount.Take(ours);
        peer.BeginWindow();
        process.WriteLine("GO");
        process.ReadLineStartingWith("DONE", StepTimeout);
        var cpuEnd = CpuAccount.Take(ours);
        window = peer.EndWindow();
        var (foreign, steal) = CpuAccount.Between(cpuStart, cpuEnd);
        block = new IotlbBlock(0, 0, harness, peer.Name, System.Diagnostics.Stopwatch.GetElapsedTime(cpuStart.TimestampTicks, cpuEnd.TimestampTicks).TotalSeconds,
            Math.Round(foreign, 3), Math.Round(steal, 3));
        var json = process.ReadLineStartingWith("{", StepTimeout);
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
        {
            throw new BenchException($"{label} failed (see {prefix}.log)");
        }

        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Everything measured for one (harness, peer) pair across rounds.</summary>
    private sealed class CellSamples(IotlbPeer peer)
    {
        private readonly List<long> _inv = [], _upd = [], _burst = [], _roundP50 = [], _roundP99 = [], _roundBurst = [], _roundUpdate = [];
        private long _backendMessages, _backendMisses, _bytes, _messages, _pause;
        private int _gen0, _gen1, _gen2;
        private bool _hasAllocation;

        public void Add(string prefix, JsonElement summary, AllocationWindow? window, IotlbSettings s)
        {
            var inv = SampleFile.Read(prefix + ".inv");
            _inv.AddRange(inv);
            var upd = SampleFile.Read(prefix + ".upd");
            var burst = SampleFile.Read(prefix + ".burst");
            _upd.AddRange(upd);
            _burst.AddRange(burst);
            _roundBurst.Add(SampleStats.Of(burst).P50);
            _roundUpdate.Add(SampleStats.Of(upd).P50);
            var stats = SampleStats.Of(inv);
            _roundP50.Add(stats.P50);
            _roundP99.Add(stats.P99);
            _backendMessages += summary.GetProperty("backend_messages").GetInt64();
            _backendMisses += summary.GetProperty("backend_misses").GetInt64();
            if (window is null)
            {
                return;
            }

            _hasAllocation = true;
            _bytes += window.AllocatedBytes;
            _messages += 2L * s.Iterations + 2L * s.Burst * s.Bursts; // UPDATE + INVALIDATE, single and burst
            _gen0 += window.Gen0;
            _gen1 += window.Gen1;
            _gen2 += window.Gen2;
            _pause += window.PauseMicroseconds;
        }

        public IotlbCell ToCell(string harness) => new(
            harness, peer.Name, peer.Description,
            SampleStats.Of(_inv.ToArray()), SampleStats.Of(_upd.ToArray()), SampleStats.Of(_burst.ToArray()),
            _roundP50, _roundP99, _backendMessages, _backendMisses,
            _hasAllocation ? new AllocationSummary(_bytes, _messages, _messages == 0 ? 0 : (double)_bytes / _messages, _gen0, _gen1, _gen2, _pause) : null,
            _roundBurst, _roundUpdate);
    }
}
