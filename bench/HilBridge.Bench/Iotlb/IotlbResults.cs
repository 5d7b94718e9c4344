namespace HilBridge.Bench.Iotlb;

/// <summary>Settings of one invalidation benchmark run (recorded with its results).</summary>
public sealed record IotlbSettings(
    int Rounds, int WarmupRounds, int Iterations, long Warmup, int Burst, int Bursts, IReadOnlyList<string> Harnesses,
    string? HarnessCpus = null, string? PeerCpus = null);

/// <summary>
/// One harness against one peer. The pooled statistics hold every sample of every round (ns); the
/// per-round medians are what the comparisons use (the median of them, with a bootstrap interval).
/// </summary>
public sealed record IotlbCell(
    string Harness,
    string Peer,
    string PeerDescription,
    SampleStats Invalidate,
    SampleStats Update,
    SampleStats BurstInvalidate,
    IReadOnlyList<long> RoundInvalidateP50,
    IReadOnlyList<long> RoundInvalidateP99,
    long BackendMessages,
    long BackendMisses,
    AllocationSummary? Allocation,
    IReadOnlyList<long>? RoundBurstP50 = null,
    IReadOnlyList<long>? RoundUpdateP50 = null);

/// <summary>The bridge process's allocations over the measured windows of all rounds.</summary>
public sealed record AllocationSummary(long Bytes, long IotlbMessages, double BytesPerMessage, int Gen0, int Gen1, int Gen2, long PauseMicroseconds);

/// <summary>One measured block (a harness against a peer in a round), in the order they ran, with the CPU other programs used meanwhile.</summary>
public sealed record IotlbBlock(int Round, int Position, string Harness, string Peer, double Seconds, double ForeignCpus, double StealCpus);

public sealed record IotlbResults(
    IotlbSettings Settings, IReadOnlyList<IotlbCell> Cells, IReadOnlyList<string> RunOrder, string? BridgeStatistics,
    IReadOnlyList<IotlbBlock>? Blocks = null);
