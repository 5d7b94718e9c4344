using System.CommandLine;
using System.Text.Json;
using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Commands;

/// <summary>`iotlb`: part 1, invalidation round trips of HilBridge, DPDK and the socket floor; writes OUT/iotlb.json.</summary>
internal static class IotlbCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Required = true, Description = "Output directory" };
        var cHarness = new Option<string>("--c-harness") { Required = true, Description = "bench/iotlb/vhost_frontend binary" };
        var pingpong = new Option<string>("--pingpong") { Required = true, Description = "bench/iotlb/pingpong binary" };
        var testpmd = new Option<string>("--testpmd") { DefaultValueFactory = _ => "dpdk-testpmd" };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 8, Description = "Measured rounds, rounded up to whole balanced cycles" };
        var builds = new Option<string[]>("--bridge-build")
        {
            Description = "NAME=PATH: also measure another build's hilbridge-bench.dll as peer NAME (a change's before and after in one run)",
            AllowMultipleArgumentsPerToken = false,
        };
        var pin = new Option<string?>("--pin") { Description = "HARNESS_CPUS:PEER_CPUS (taskset lists, e.g. 0:1): pin the harnesses and the peers" };
        var warmupRounds = new Option<int>("--warmup-rounds") { DefaultValueFactory = _ => 1, Description = "Unrecorded rounds before the measured ones" };
        var iters = new Option<int>("--iters") { DefaultValueFactory = _ => 10000 };
        var warmup = new Option<long>("--warmup") { DefaultValueFactory = _ => 2000 };
        var burst = new Option<int>("--burst") { DefaultValueFactory = _ => 32 };
        var bursts = new Option<int>("--bursts") { DefaultValueFactory = _ => 1000 };
        var harnesses = new Option<string>("--harnesses") { DefaultValueFactory = _ => "c,csharp" };
        var peers = new Option<string>("--peers") { DefaultValueFactory = _ => "floor,floor-batch,dpdk,hilbridge" };
        var command = new Command("iotlb", "Invalidation round trip: HilBridge vs DPDK vs the socket floor")
        {
            output, cHarness, pingpong, testpmd, rounds, warmupRounds, iters, warmup, burst, bursts, harnesses, peers, pin, builds,
        };
        command.SetAction(parse =>
        {
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            var run = Path.Combine(dir, "run");
            Directory.CreateDirectory(run);
            var harnessList = parse.GetValue(harnesses)!.Split(',', StringSplitOptions.RemoveEmptyEntries);
            var extraBuilds = (parse.GetValue(builds) ?? []).Select(b => b.Split('=', 2)).ToDictionary(kv => kv[0], kv => Path.GetFullPath(kv[1]));
            var peerNames = parse.GetValue(peers)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Concat(extraBuilds.Keys).ToArray();
            var cpus = parse.GetValue(pin)?.Split(':');
            if (cpus is { Length: not 2 })
            {
                Console.Error.WriteLine("iotlb benchmark failed: --pin takes HARNESS_CPUS:PEER_CPUS, e.g. 0:1");
                return 2;
            }

            var settings = new IotlbSettings(BalancedOrder.RoundUpToCycles(harnessList.Length * peerNames.Length, parse.GetValue(rounds)), parse.GetValue(warmupRounds),
                parse.GetValue(iters), parse.GetValue(warmup), parse.GetValue(burst), parse.GetValue(bursts), harnessList, cpus?[0], cpus?[1]);
            var list = new List<IotlbPeer>();
            try
            {
                foreach (var name in peerNames)
                {
                    var socket = Path.Combine(run, name + ".sock");
                    File.Delete(socket);
                    var log = Path.Combine(dir, name + ".log");
                    list.Add(name switch
                    {
                        "floor" => new FloorPeer(Path.GetFullPath(parse.GetValue(pingpong)!)) { Socket = socket, LogPath = log, Cpus = settings.PeerCpus },
                        "floor-batch" => new FloorPeer(Path.GetFullPath(parse.GetValue(pingpong)!), batched: true) { Socket = socket, LogPath = log, Cpus = settings.PeerCpus },
                        "dpdk" => new DpdkPeer(parse.GetValue(testpmd)!) { Socket = socket, LogPath = log, Cpus = settings.PeerCpus },
                        "hilbridge" => new HilBridgePeer(Path.Combine(run, "iotlb-disk.img")) { Socket = socket, LogPath = log, Cpus = settings.PeerCpus },
                        _ when extraBuilds.TryGetValue(name, out var build) => new HilBridgePeer(Path.Combine(run, name + "-disk.img"), name, build) { Socket = socket, LogPath = log, Cpus = settings.PeerCpus },
                        _ => throw new BenchException($"unknown peer {name}"),
                    });
                }
                var results = new IotlbBenchmark(settings, Path.GetFullPath(parse.GetValue(cHarness)!), dir, Console.Error.WriteLine).Run(list);
                File.WriteAllText(Path.Combine(dir, "iotlb.json"), JsonSerializer.Serialize(results, BenchJson.Options));
                Console.Error.WriteLine("wrote " + Path.Combine(dir, "iotlb.json"));
                return 0;
            }
            catch (BenchException ex)
            {
                Console.Error.WriteLine("iotlb benchmark failed: " + ex.Message);
                return 1;
            }
            finally
            {
                foreach (var p in list)
                {
                    p.Dispose();
                }
            }
        });
        return command;
    }
}
