using System.Globalization;
using System.Text;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Analysis;

/// <summary>One-line, exact (tick-precise) descriptions of records, for dumps and mismatch reports.</summary>
public static class TraceText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"+12.3456789s": time since the engine started, to the tick.</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset start)
    {
        var d = at - start;
        var sign = d < TimeSpan.Zero ? "-" : "+";
        var abs = d.Duration();
        return $"{sign}{(long)abs.TotalSeconds}.{abs.Ticks % TimeSpan.TicksPerSecond:0000000}s";
    }

    public static string Input(in EngineInput i, AccessResult? result)
    {
        var s = new StringBuilder(i.Kind.ToString());
        switch (i.Kind)
        {
            case EngineInputKind.IotlbUpdate:
                s.Append(Inv, $" iova=0x{i.Iova:x} size=0x{i.Size:x} uaddr=0x{i.UserAddr:x} perm={i.Access}");
                break;
            case EngineInputKind.IotlbInvalidate:
                s.Append(Inv, $" req={i.Id} iova=0x{i.Iova:x} size=0x{i.Size:x}");
                break;
            case EngineInputKind.BeginAccess:
                s.Append(Inv, $" iova=0x{i.Iova:x} len={i.Size} {i.Access} {i.Purpose} -> {(result is { } r ? r.ToString() : "(result not recorded)")}");
                break;
            case EngineInputKind.EndAccess:
                s.Append(Inv, $" token={i.Id}");
                break;
            case EngineInputKind.SteInvalidated or EngineInputKind.SetStreamId:
                s.Append(Inv, $" sid=0x{i.Id:x}");
                break;
            case EngineInputKind.Fence or EngineInputKind.Unfence:
                s.Append(Inv, $" reason=\"{i.Reason}\"");
                break;
            case EngineInputKind.SetPolicy:
                s.Append(Inv, $" rules={i.Policy?.Rules.Count ?? 0}");
                break;
        }

        return s.ToString();
    }

    public static string Effect(in EngineEffect e)
    {
        switch (e.Kind)
        {
            case EffectKind.AckInvalidation:
                return string.Create(Inv, $"ack req={e.RequestId} status={e.Status} latency={e.Latency.Ticks / 10.0:0.#}us");
            case EffectKind.InvalidationTimedOut:
                return string.Create(Inv, $"timeout req={e.RequestId}");
            case EffectKind.Fenced:
                return $"fenced: {e.Reason}";
            case EffectKind.Unfenced:
                return string.Create(Inv, $"unfenced after {e.RecoveryTime.Ticks / 10.0:0.#}us: {e.Reason}");
            case EffectKind.Violation:
                var v = e.Violation;
                return string.Create(Inv,
                    $"VIOLATION {v.Source} sid={(v.StreamId is { } sid ? "0x" + sid.ToString("x", Inv) : "?")} iova=0x{v.Iova:x} bytes={v.Bytes} {v.Kind} entry={v.EntryId} req={v.RequestId} {v.TimeSinceAck.Ticks / 10.0:0.#}us after ack");
            case EffectKind.StragglerAccess:
                var st = e.Straggler;
                return string.Create(Inv,
                    $"straggler{(st.Id == 0 ? "" : $" #{st.Id}")} req={st.RequestId} iova=0x{st.Iova:x}{(st.UserAddr == 0 ? "" : $" uaddr=0x{st.UserAddr:x}")} bytes={st.Bytes} {st.Kind} entry={st.EntryId} {st.Outcome}");
            default:
                return e.Kind.ToString();
        }
    }

    /// <summary>The record without its index and time.</summary>
    public static string Body(in TraceEntry entry) => entry.Kind switch
    {
        TraceRecordKind.Input => "input  " + Input(entry.Input, entry.Result),
        TraceRecordKind.Effect => "effect " + Effect(entry.Effect),
        TraceRecordKind.Smmu => $"smmu   {entry.Smmu!.Name} {entry.Smmu.Message}",
        TraceRecordKind.Guest => $"guest  {entry.Guest!.Kind} {string.Join(' ', entry.Guest.Fields.Select(p => p.Key + "=" + p.Value))}",
        TraceRecordKind.RunEnd => $"run-end outcome={entry.RunEnd!.Outcome}{(entry.RunEnd.Reason.Length > 0 ? " (" + entry.RunEnd.Reason + ")" : "")}",
        TraceRecordKind.End => $"end    records={entry.End!.Records} dropped={entry.End.Dropped}",
        TraceRecordKind.AckMeasured => $"measured req={entry.Measurement.RequestId} latency={entry.Measurement.Latency.TotalMicroseconds:0.#}us",
        _ => "unknown record",
    };

    /// <summary>"#12 +1.2345678s input BeginAccess ...".</summary>
    public static string Line(in TraceEntry entry, DateTimeOffset start) =>
        $"#{entry.Index} {Relative(entry.At, start)} {Body(entry)}";

    public static IEnumerable<string> Header(TraceHeader h)
    {
        yield return $"HilBridge trace v{h.FormatVersion} ({h.Source}), scenario {h.Scenario}{(h.Description.Length > 0 ? ": " + h.Description.Trim() : "")}";
        var start = new DateTimeOffset(h.EngineStartTicks, TimeSpan.Zero);
        yield return $"engine start {start:yyyy-MM-dd HH:mm:ss.fffffff} UTC; written by {h.Writer} at {DateTimeOffset.FromUnixTimeMilliseconds(h.CreatedUnixMs):yyyy-MM-dd HH:mm:ss} UTC";
        var e = OptionsCodec.ToOptions(h.Engine); // validated when the reader opened the trace
        yield return string.Create(Inv,
            $"engine timeout {e.InvalidationTimeout.TotalMilliseconds} ms, fence policy {e.FencePolicy}, fence mode {e.FenceMode}, seed {e.Seed}, ATC {e.AtcCapacity}, StreamID {(e.StreamId is { } sid ? "0x" + sid.ToString("x", Inv) : "unknown")}");
        var policy = e.Policy;
        if (policy.Rules.Count == 0)
        {
            yield return "policy: none (every invalidation completes at once)";
        }

        foreach (var r in policy.Rules)
        {
            yield return "policy rule: " + Rule(r);
        }

        // A live run's guest kernel (its versions.env); traces recorded before KERNEL_SOURCE existed booted setup.sh's guest.
        if (h.Versions.TryGetValue("KERNEL_VERSION", out var kernel))
        {
            yield return $"guest kernel: {kernel} ({(h.Versions.TryGetValue("KERNEL_SOURCE", out var source) ? source : "source not recorded")})";
        }

        if (h.Versions.Count > 0)
        {
            yield return "versions: " + string.Join(", ", h.Versions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        }

        if (h.StreamIds.Count > 0)
        {
            yield return "stream ids: " + string.Join(", ", h.StreamIds.Select(s => "0x" + s.ToString("x", Inv)));
        }

        foreach (var x in h.Expectations)
        {
            yield return string.Create(Inv, $"expect: {x.Metric} {x.Operator} {x.Value}");
        }
    }

    public static string Rule(FaultRule r)
    {
        var parts = new List<string> { r.Name ?? "rule", r.Outcome.ToString().ToLowerInvariant() };
        if (r.StreamId is { } sid)
        {
            parts.Add(string.Create(Inv, $"sid=0x{sid:x}"));
        }

        if (r.Iova is { } iova)
        {
            parts.Add("iova=" + iova);
        }

        if (r.From is { } from)
        {
            parts.Add(string.Create(Inv, $"from={from.TotalSeconds}s"));
        }

        if (r.Until is { } until)
        {
            parts.Add(string.Create(Inv, $"until={until.TotalSeconds}s"));
        }

        if (r.EveryNth is { } n)
        {
            parts.Add(string.Create(Inv, $"everyNth={n}"));
        }

        if (r.Probability is { } p)
        {
            parts.Add(string.Create(Inv, $"p={p}"));
        }

        if (r.Limit is { } limit)
        {
            parts.Add(string.Create(Inv, $"limit={limit}"));
        }

        if (r.Delay.Kind != DistributionKind.None)
        {
            parts.Add("delay=" + r.Delay);
        }

        if (r.Stragglers is { } s)
        {
            parts.Add(string.Create(Inv, $"stragglers={s.Count}x{s.Kind} {s.Bytes}B after {s.Delay}{(s.Target == StragglerTarget.Any ? "" : " through " + s.Target.ToString().ToLowerInvariant())}"));
        }

        return string.Join(' ', parts);
    }
}
