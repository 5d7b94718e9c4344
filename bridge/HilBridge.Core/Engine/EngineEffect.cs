using System.Globalization;

namespace HilBridge.Core.Engine;

/// <summary>
/// One instruction or report for the host, in the order the engine produced it. A single flat struct
/// (only the fields of <see cref="Kind"/> are meaningful) keeps the effect queue allocation-free and
/// gives value equality, which replay uses to compare effect sequences.
/// </summary>
public readonly record struct EngineEffect
{
    public EffectKind Kind { get; init; }

    /// <summary>Engine time at which the effect was produced.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>AckInvalidation, InvalidationTimedOut: QEMU's invalidation request being answered.</summary>
    public ulong RequestId { get; init; }

    /// <summary>AckInvalidation: the u64 reply for QEMU, 0 = success, non-zero = refused.</summary>
    public ulong Status { get; init; }

    /// <summary>AckInvalidation: acknowledgement time minus arrival time.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Fenced, Unfenced.</summary>
    public string? Reason { get; init; }

    /// <summary>Unfenced: time from the (latest) fence to the unfence.</summary>
    public TimeSpan RecoveryTime { get; init; }

    /// <summary>Violation.</summary>
    public UafViolation Violation { get; init; }

    /// <summary>StragglerAccess.</summary>
    public StragglerAccess Straggler { get; init; }

    internal static EngineEffect Ack(DateTimeOffset at, ulong requestId, ulong status, TimeSpan latency) =>
        new() { Kind = EffectKind.AckInvalidation, At = at, RequestId = requestId, Status = status, Latency = latency };

    internal static EngineEffect TimedOut(DateTimeOffset at, ulong requestId) =>
        new() { Kind = EffectKind.InvalidationTimedOut, At = at, RequestId = requestId };

    internal static EngineEffect FencedBy(DateTimeOffset at, string reason) =>
        new() { Kind = EffectKind.Fenced, At = at, Reason = reason };

    internal static EngineEffect UnfencedBy(DateTimeOffset at, string reason, TimeSpan recovery) =>
        new() { Kind = EffectKind.Unfenced, At = at, Reason = reason, RecoveryTime = recovery };

    internal static EngineEffect Uaf(DateTimeOffset at, UafViolation violation) =>
        new() { Kind = EffectKind.Violation, At = at, Violation = violation, RequestId = violation.RequestId };

    internal static EngineEffect StragglerRan(DateTimeOffset at, StragglerAccess straggler) =>
        new() { Kind = EffectKind.StragglerAccess, At = at, Straggler = straggler, RequestId = straggler.RequestId };

    /// <summary>One log-friendly line with only the fields that matter for <see cref="Kind"/>.</summary>
    public override string ToString()
    {
        var at = At.ToString("HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
        return Kind switch
        {
            EffectKind.AckInvalidation => $"{at} ack req={RequestId} status={Status} latency={Latency.TotalMilliseconds:0.###}ms",
            EffectKind.InvalidationTimedOut => $"{at} timeout req={RequestId}",
            EffectKind.Fenced => $"{at} fenced: {Reason}",
            EffectKind.Unfenced => $"{at} unfenced after {RecoveryTime.TotalMilliseconds:0.###}ms: {Reason}",
            EffectKind.Violation => $"{at} UAF {Violation.Source} sid={Violation.StreamId?.ToString("x", CultureInfo.InvariantCulture) ?? "?"} iova=0x{Violation.Iova:x} bytes={Violation.Bytes} {Violation.Kind} entry={Violation.EntryId} req={Violation.RequestId} +{Violation.TimeSinceAck.TotalMilliseconds:0.###}ms after ack",
            EffectKind.StragglerAccess => $"{at} straggler #{Straggler.Id} req={Straggler.RequestId} iova=0x{Straggler.Iova:x} bytes={Straggler.Bytes} {Straggler.Kind} entry={Straggler.EntryId} {Straggler.Outcome}",
            _ => $"{at} {Kind}",
        };
    }
}
