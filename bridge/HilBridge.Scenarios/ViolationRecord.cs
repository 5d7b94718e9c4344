using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>A use-after-free as reported: which device, where, how much, how long after the acknowledgement.</summary>
public sealed record ViolationRecord(string StreamId, string Iova, ulong Bytes, string Access, double MillisecondsSinceAck, string Source, ulong InvalidationRequest)
{
    public static ViolationRecord From(UafViolation v) => new(
        v.StreamId is { } sid ? $"0x{sid:x}" : "unknown", $"0x{v.Iova:x}", v.Bytes, v.Kind.ToString().ToLowerInvariant(),
        v.TimeSinceAck.TotalMilliseconds, v.Source.ToString(), v.RequestId);

    public override string ToString() =>
        $"StreamID {StreamId} {Access} of {Bytes} B at IOVA {Iova}, {MillisecondsSinceAck:F1} ms after invalidation {InvalidationRequest} was acknowledged ({Source})";
}
