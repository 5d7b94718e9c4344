namespace HilBridge.Scenarios;

/// <summary>
/// How long the guest's vCPU stood still per forwarded invalidation. On stock QEMU's VT-d the vCPU that
/// writes the invalidation queue tail runs the queue itself, and a device-IOTLB descriptor waits there
/// for the bridge's answer to its vhost-user INVALIDATE: the stall is the gap between that descriptor and
/// the next one in QEMU's trace (the wait descriptor that follows it). No Invalidation Time-out Error is
/// ever raised: a completion that never comes stalls the vCPU until the bridge gives up.
/// </summary>
public sealed record InvalidationStallStatistics
{
    /// <summary>Device-IOTLB descriptors whose stall was measured.</summary>
    public long Count { get; init; }

    public TimeSpan? P50 { get; init; }

    public TimeSpan? P99 { get; init; }

    public TimeSpan Max { get; init; }

    /// <summary>The vCPU time spent waiting in all of them together.</summary>
    public TimeSpan Total { get; init; }

    public override string ToString() =>
        $"{Count} device-IOTLB invalidations, vCPU stalled p50 {Ms(P50)} p99 {Ms(P99)} max {Ms(Max)}, {Total.TotalSeconds:F2} s in all";

    private static string Ms(TimeSpan? t) => t is { } x ? $"{x.TotalMilliseconds:F2} ms" : "-";
}
