using System.Globalization;
using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>
/// The bridge (VhostBlkBridge, default engine: no fault policy) in a child process of its own; see BridgeServer.
/// With <paramref name="build"/> (another build's hilbridge-bench.dll) it runs that build instead, under
/// <paramref name="name"/>: a change's before and after measured in the same run, block by block.
/// </summary>
internal sealed class HilBridgePeer(string disk, string name = "hilbridge", string? build = null) : IotlbPeer
{
    private AllocationWindow? _start;

    public override string Name => name;

    public override string Description => "HilBridge VhostBlkBridge (.NET " + Environment.Version + ", separate process" + (build is null ? ")" : ", build " + build + ")");

    public override void Start()
    {
        string[] bridgeArgs = ["bridge", "--socket", Socket, "--disk", disk, "--disk-size", "16"];
        var (file, args) = build is null ? SelfCommand.For(bridgeArgs) : ("dotnet", [build, .. bridgeArgs]);
        Process = ChildProcess.Start(Name, file, args, LogPath, cpus: Cpus);
        Process.ReadLineStartingWith("listening", TimeSpan.FromSeconds(60));
    }

    public override void BeginWindow() => _start = Mark();

    public override AllocationWindow? EndWindow()
    {
        var end = Mark();
        var start = _start ?? throw new InvalidOperationException("EndWindow without BeginWindow");
        return new AllocationWindow(end.AllocatedBytes - start.AllocatedBytes, end.Gen0 - start.Gen0, end.Gen1 - start.Gen1,
            end.Gen2 - start.Gen2, end.PauseMicroseconds - start.PauseMicroseconds);
    }

    /// <summary>Reads the bridge's statistics (JSON) after the runs.</summary>
    public string Statistics()
    {
        Process!.WriteLine("stats");
        return Process.ReadLineStartingWith("stats ", TimeSpan.FromSeconds(10))["stats ".Length..];
    }

    private AllocationWindow Mark()
    {
        Process!.WriteLine("mark");
        var line = Process.ReadLineStartingWith("mark ", TimeSpan.FromSeconds(10));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => f.Split('=', 2)).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
        return new AllocationWindow(fields["allocated"], (int)fields["gen0"], (int)fields["gen1"], (int)fields["gen2"], fields["pause_us"]);
    }
}
