using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>A snapshot of the bridge's counters: the device's own and the engine's (held whole, not copied field by field).</summary>
public sealed record BridgeStatistics
{
    public long Requests { get; init; }
    public long RequestErrors { get; init; }

    /// <summary>Requests completed without their status byte (it could not be written): the guest reads whatever the byte held before.</summary>
    public long StatusUnwritten { get; init; }
    public long BytesRead { get; init; }
    public long BytesWritten { get; init; }
    /// <summary>Invalidation reply latency as QEMU saw it (request received to reply sent), on the host's clock.</summary>
    public TimeSpan? AckLatencyP50 { get; init; }
    public TimeSpan? AckLatencyP99 { get; init; }

    /// <summary>The measured ack latency (arrival to reply) in full: percentiles, max and histogram; null in older summaries.</summary>
    public LatencySummary? AckLatency { get; init; }
    /// <summary>Requests a previous back-end left in flight that this one ran again after taking over (INFLIGHT_SHMFD).</summary>
    public long RequestsResubmitted { get; init; }
    /// <summary>Requests popped from the ring and not yet completed, at the time of the snapshot.</summary>
    public long RequestsInFlight { get; init; }
    public long Sessions { get; init; }
    public long DeviceStarts { get; init; }
    /// <summary>Stragglers performed as DMA: poison written into and bytes read out of guest memory, and those that fell outside it.</summary>
    public long StragglerBytesWritten { get; init; }
    public long StragglerBytesRead { get; init; }
    public long StragglerFaults { get; init; }

    /// <summary>
    /// The engine's counters. Summaries written before the engine's counters were nested here have none
    /// (an empty snapshot): replay replaces them with the replayed engine's anyway.
    /// </summary>
    public EngineCounterSnapshot Engine { get; init; } = new();
}
