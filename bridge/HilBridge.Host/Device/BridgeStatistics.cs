namespace HilBridge.Host.Device;

/// <summary>A snapshot of the bridge's counters (engine + device).</summary>
public sealed record BridgeStatistics
{
    public long Requests { get; init; }
    public long RequestErrors { get; init; }
    public long BytesRead { get; init; }
    public long BytesWritten { get; init; }
    public long AtcHits { get; init; }
    public long AtcMisses { get; init; }
    public long AtcUpdates { get; init; }
    public long Invalidations { get; init; }
    public long InvalidationsAcked { get; init; }
    public long InvalidationsRefused { get; init; }
    public long InvalidationsTimedOut { get; init; }
    public TimeSpan? AckLatencyP50 { get; init; }
    public TimeSpan? AckLatencyP99 { get; init; }
    /// <summary>Delay the device model chose (policy delay, in-flight DMA, stragglers), on the engine's clock.</summary>
    public TimeSpan? EngineAckDelayP50 { get; init; }
    public TimeSpan? EngineAckDelayP99 { get; init; }
    public long Fences { get; init; }
    public long Unfences { get; init; }
    public long RefusedAccesses { get; init; }
    public long Violations { get; init; }
    public long StragglersIssued { get; init; }
    public long StragglersRefused { get; init; }
    public long StragglersCancelled { get; init; }
    public double? LastRecoverySeconds { get; init; }
    /// <summary>Requests a previous back-end left in flight that this one ran again after taking over (INFLIGHT_SHMFD).</summary>
    public long RequestsResubmitted { get; init; }
    /// <summary>Requests popped from the ring and not yet completed, at the time of the snapshot.</summary>
    public long RequestsInFlight { get; init; }
    public long Sessions { get; init; }
    public long DeviceStarts { get; init; }
}
