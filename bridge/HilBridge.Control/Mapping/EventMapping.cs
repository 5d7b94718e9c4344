using Google.Protobuf.WellKnownTypes;
using HilBridge.Control.Events;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Mapping;

/// <summary>Engine effects as control API events.</summary>
public static class EventMapping
{
    public static Proto.EventKind KindOf(EffectKind kind) => kind switch
    {
        EffectKind.AckInvalidation => Proto.EventKind.Ack,
        EffectKind.InvalidationTimedOut => Proto.EventKind.InvalidationTimedOut,
        EffectKind.Fenced => Proto.EventKind.Fenced,
        EffectKind.Unfenced => Proto.EventKind.Unfenced,
        EffectKind.Violation => Proto.EventKind.Violation,
        EffectKind.StragglerAccess => Proto.EventKind.Straggler,
        _ => Proto.EventKind.Unspecified,
    };

    public static Proto.Event ToProto(string device, in EngineEffect effect)
    {
        var e = new Proto.Event
        {
            Kind = KindOf(effect.Kind),
            At = Timestamp.FromDateTimeOffset(effect.At),
            Device = device,
            RequestId = effect.RequestId,
            Text = effect.ToString(),
        };
        switch (effect.Kind)
        {
            case EffectKind.AckInvalidation:
                e.Status = effect.Status;
                e.Latency = Duration.FromTimeSpan(effect.Latency);
                break;
            case EffectKind.Fenced:
                e.Reason = effect.Reason ?? "";
                break;
            case EffectKind.Unfenced:
                e.Reason = effect.Reason ?? "";
                e.Recovery = Duration.FromTimeSpan(effect.RecoveryTime);
                break;
            case EffectKind.Violation:
                var v = effect.Violation;
                (e.Iova, e.Bytes, e.Access, e.AtcEntry) = (v.Iova, v.Bytes, PolicyMapping.ToProto(v.Kind), v.EntryId);
                e.Detail = v.Source == ViolationSource.Straggler ? "straggler" : "device-access";
                e.AfterAck = Duration.FromTimeSpan(v.TimeSinceAck);
                break;
            case EffectKind.StragglerAccess:
                var s = effect.Straggler;
                (e.Iova, e.Bytes, e.Access, e.AtcEntry, e.StragglerId, e.UserAddr) = (s.Iova, s.Bytes, PolicyMapping.ToProto(s.Kind), s.EntryId, s.Id, s.UserAddr);
                e.Detail = s.Outcome switch
                {
                    StragglerOutcome.Allowed => "allowed",
                    StragglerOutcome.RefusedFenced => "refused-fenced",
                    _ => "violation",
                };
                break;
        }
        return e;
    }

    public static Proto.Event ToProto(string device, in DeviceEvent e) =>
        e.Finding is { } finding ? ToProto(device, finding, e.FoundAt) : ToProto(device, e.Effect);

    public static Proto.Event ToProto(string device, GuestFinding finding, DateTimeOffset at) => new()
    {
        Kind = Proto.EventKind.GuestCorruption,
        At = Timestamp.FromDateTimeOffset(at),
        Device = device,
        Bytes = (ulong)finding.Bytes,
        StragglerId = finding.PoisonId ?? 0,
        Detail = finding.StragglerOutcome switch
        {
            StragglerOutcome.Allowed => "allowed",
            StragglerOutcome.RefusedFenced => "refused-fenced",
            StragglerOutcome.Violation => "violation",
            _ => "unexplained",
        },
        Text = "guest found " + finding,
    };

    public static Proto.Event Dropped(string device, ulong count, DateTimeOffset at) => new()
    {
        Kind = Proto.EventKind.EventsDropped,
        At = Timestamp.FromDateTimeOffset(at),
        Device = device,
        Dropped = count,
        Text = $"{count} events dropped (the subscriber read too slowly)",
    };
}
