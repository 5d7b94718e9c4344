using HilBridge.Fuzz.Targets.Chains;
using HilBridge.Fuzz.Targets.Codec;
using HilBridge.Fuzz.Targets.Engine;
using HilBridge.Fuzz.Targets.MemoryTables;
using HilBridge.Fuzz.Targets.Session;

namespace HilBridge.Fuzz;

/// <summary>Every target, by name, for the command line and the tests.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["codec", "memtable", "iotlb", "chains", "session"];

    /// <summary>
    /// How a run's cases are shared out: the cheap targets take most; a session case is a whole
    /// connection to a real bridge (a few hundred a second), a chain case microseconds.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Weights { get; } = new Dictionary<string, double>
    {
        ["codec"] = 0.2, ["memtable"] = 0.15, ["iotlb"] = 0.2, ["chains"] = 0.35, ["session"] = 0.1,
    };

    /// <summary>Cases per target for a run of <paramref name="total"/> cases over <paramref name="targets"/>.</summary>
    public static IReadOnlyList<(string Target, long Cases)> Plan(long total, IReadOnlyList<string> targets)
    {
        var sum = targets.Sum(t => Weights.GetValueOrDefault(t, 0.1));
        return targets.Select(t => (t, (long)Math.Ceiling(total * Weights.GetValueOrDefault(t, 0.1) / sum))).ToList();
    }

    public static IFuzzTarget Create(string name) => name switch
    {
        "codec" => new CodecTarget(),
        "memtable" => new MemoryTableTarget(),
        "iotlb" => new EngineTarget(),
        "chains" => new ChainTarget(),
        "session" => new SessionTarget(),
        _ => throw new ArgumentException($"unknown target '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };
}
