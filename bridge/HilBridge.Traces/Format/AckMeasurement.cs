namespace HilBridge.Traces.Format;

/// <summary>How long the host took from receiving invalidation <see cref="RequestId"/> to answering it (AckMeasuredRecord).</summary>
public readonly record struct AckMeasurement(ulong RequestId, TimeSpan Latency);
