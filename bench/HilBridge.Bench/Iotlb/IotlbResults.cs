namespace HilBridge.Bench.Iotlb;

/// <summary>Settings of one invalidation benchmark run (recorded with its results).</summary>
public sealed record IotlbSettings(int Rounds, int WarmupRounds, int Iterations, long Warmup, int Burst, int Bursts, IReadOnlyList<string> Harnesses);

/// <summary>One harness against one peer, samples pooled over all rounds (ns).</summary>
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
    AllocationSummary? Allocation);

/// <summary>The bridge process's allocations over the measured windows of all rounds.</summary>
public sealed record AllocationSummary(long Bytes, long IotlbMessages, double BytesPerMessage, int Gen0, int Gen1, int Gen2, long PauseMicroseconds);

public sealed record IotlbResults(IotlbSettings Settings, IReadOnlyList<IotlbCell> Cells, IReadOnlyList<string> RunOrder, string? BridgeStatistics);
