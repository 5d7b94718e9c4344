using System.Text.Json;
using Google.Protobuf;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Analysis;

/// <summary>JSON lines for `hilbridge trace dump --json`: the header first, then one object per record.</summary>
public static class TraceJson
{
    private static readonly JsonFormatter Proto = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static string Header(TraceHeader header) => "{\"header\":" + Proto.Format(header) + "}";

    public static void Write(Utf8JsonWriter w, in TraceEntry e, DateTimeOffset start)
    {
        w.WriteStartObject();
        w.WriteNumber("index", e.Index);
        w.WriteNumber("t", (e.At - start).Ticks / (double)TimeSpan.TicksPerSecond);
        w.WriteNumber("ticks", e.At.UtcTicks);
        switch (e.Kind)
        {
            case TraceRecordKind.Input:
                var i = e.Input;
                w.WriteString("record", "input");
                w.WriteString("kind", i.Kind.ToString());
                if (i.Iova != 0)
                {
                    w.WriteString("iova", $"0x{i.Iova:x}");
                }

                if (i.Size != 0)
                {
                    w.WriteNumber("size", i.Size);
                }

                if (i.UserAddr != 0)
                {
                    w.WriteString("uaddr", $"0x{i.UserAddr:x}");
                }

                if (i.Access != 0)
                {
                    w.WriteString("access", i.Access.ToString());
                }

                if (i.Kind == EngineInputKind.BeginAccess)
                {
                    w.WriteString("purpose", i.Purpose.ToString());
                }

                if (i.Id != 0)
                {
                    w.WriteNumber("id", i.Id);
                }

                if (i.Reason is not null)
                {
                    w.WriteString("reason", i.Reason);
                }

                if (i.Policy is not null)
                {
                    w.WriteNumber("rules", i.Policy.Rules.Count);
                }

                if (e.Result is { } r)
                {
                    w.WriteString("result", r.ToString());
                }

                break;
            case TraceRecordKind.Effect:
                var f = e.Effect;
                w.WriteString("record", "effect");
                w.WriteString("kind", f.Kind.ToString());
                switch (f.Kind)
                {
                    case EffectKind.AckInvalidation:
                        w.WriteNumber("req", f.RequestId);
                        w.WriteNumber("status", f.Status);
                        w.WriteNumber("latency_us", f.Latency.Ticks / 10.0);
                        break;
                    case EffectKind.InvalidationTimedOut:
                        w.WriteNumber("req", f.RequestId);
                        break;
                    case EffectKind.Fenced:
                        w.WriteString("reason", f.Reason);
                        break;
                    case EffectKind.Unfenced:
                        w.WriteString("reason", f.Reason);
                        w.WriteNumber("recovery_ms", f.RecoveryTime.TotalMilliseconds);
                        break;
                    case EffectKind.Violation:
                        var v = f.Violation;
                        w.WriteNumber("req", v.RequestId);
                        w.WriteString("source", v.Source.ToString());
                        if (v.StreamId is { } sid)
                        {
                            w.WriteNumber("sid", sid);
                        }

                        w.WriteString("iova", $"0x{v.Iova:x}");
                        w.WriteNumber("bytes", v.Bytes);
                        w.WriteString("access", v.Kind.ToString());
                        w.WriteNumber("entry", v.EntryId);
                        w.WriteNumber("since_ack_us", v.TimeSinceAck.Ticks / 10.0);
                        break;
                    case EffectKind.StragglerAccess:
                        var s = f.Straggler;
                        w.WriteNumber("req", s.RequestId);
                        w.WriteString("iova", $"0x{s.Iova:x}");
                        w.WriteNumber("bytes", s.Bytes);
                        w.WriteString("access", s.Kind.ToString());
                        w.WriteNumber("entry", s.EntryId);
                        w.WriteString("outcome", s.Outcome.ToString());
                        if (s.Id != 0)
                        {
                            w.WriteNumber("straggler", s.Id);
                            w.WriteString("uaddr", $"0x{s.UserAddr:x}");
                        }

                        break;
                }

                break;
            case TraceRecordKind.Smmu:
                w.WriteString("record", "smmu");
                w.WriteString("name", e.Smmu!.Name);
                w.WriteString("message", e.Smmu.Message);
                break;
            case TraceRecordKind.Guest:
                w.WriteString("record", "guest");
                w.WriteString("kind", e.Guest!.Kind);
                w.WriteStartObject("fields");
                foreach (var (k, val) in e.Guest.Fields)
                {
                    w.WriteString(k, val);
                }

                w.WriteEndObject();
                break;
            case TraceRecordKind.RunEnd:
                w.WriteString("record", "run-end");
                w.WriteString("outcome", e.RunEnd!.Outcome);
                w.WriteString("reason", e.RunEnd.Reason);
                break;
            case TraceRecordKind.AckMeasured:
                w.WriteString("record", "ack-measured");
                w.WriteNumber("req", e.Measurement.RequestId);
                w.WriteNumber("latencyUs", e.Measurement.Latency.TotalMicroseconds);
                break;
            case TraceRecordKind.End:
                w.WriteString("record", "end");
                w.WriteNumber("records", e.End!.Records);
                w.WriteNumber("dropped", e.End.Dropped);
                break;
        }

        w.WriteEndObject();
    }
}
