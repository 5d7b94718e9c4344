using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Proto = HilBridge.Control.V1;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>How `hilbridge ctl` shows responses: readable text, or the tool's result JSON (one line per event).</summary>
internal static class CtlOutput
{
    /// <summary>The response as a result (<see cref="ResultOutput"/>): result is the message's name, e.g. "ctl.Counters".</summary>
    public static string Json(IMessage message, bool indented = true) =>
        ResultJson.SerializeHeaded("ctl." + message.Descriptor.Name, ProtoResultJson.ToNode(message), indented);

    public static string Status(Proto.Status s)
    {
        var b = new StringBuilder();
        var up = s.StartedAt is null ? "" : $", up {(DateTimeOffset.UtcNow - s.StartedAt.ToDateTimeOffset()).TotalSeconds:F1} s";
        b.AppendLine($"hilbridge control {s.ApiVersion} (server {s.ServerVersion}){up}");
        if (s.Run is { } run)
        {
            b.AppendLine($"run          scenario {run.Scenario}, guest {run.RoundsReported} rounds (last report: {Or(run.LastGuestReport, "none")}), output {run.OutputDirectory}");
        }

        b.AppendLine($"recording    {RecordingLine(s.Recording)}");
        foreach (var d in s.Devices)
        {
            b.Append(Device(d));
        }

        return b.ToString();
    }

    public static string Devices(Proto.ListDevicesResponse r) => string.Concat(r.Devices.Select(Device));

    public static string Device(Proto.Device d)
    {
        var b = new StringBuilder();
        b.AppendLine($"device {d.Name}");
        b.AppendLine($"  StreamID       {(d.HasStreamId ? $"0x{d.StreamId:x}" : "unknown (guest has not numbered the bus yet)")}");
        b.AppendLine($"  fence          {FenceLine(d.Fence)}");
        b.AppendLine($"  ATC            {d.AtcEntries} entries, {d.PendingInvalidations} invalidations pending, {d.InFlightAccesses} accesses in flight");
        b.AppendLine($"  on timeout     {Name(d.FencePolicy)} ({Name(d.FenceMode)}) after {Seconds(d.InvalidationTimeout)}; policy has {d.PolicyRules} rules");
        b.AppendLine($"  vhost socket   {d.VhostSocket}");
        return b.ToString();
    }

    public static string Counters(Proto.Counters c)
    {
        var b = new StringBuilder();
        b.AppendLine($"device {c.Device}");
        b.AppendLine($"  virtio-blk     {c.Requests} requests ({c.RequestErrors} IOERR), {c.BytesRead / 1024} KiB read, {c.BytesWritten / 1024} KiB written");
        b.AppendLine($"  ATC            {c.AtcMisses} misses, {c.AtcUpdates} updates, {c.AtcHits} hits");
        b.AppendLine($"  invalidations  {c.Invalidations} received, {c.InvalidationsAcked} acknowledged ({c.InvalidationsRefused} refused, {c.InvalidationsTimedOut} timed out), ack latency p50 {Micro(c.AckLatencyP50)} p99 {Micro(c.AckLatencyP99)}");
        b.AppendLine($"  fencing        {c.Fences} fences, {c.Unfences} unfences, {c.RefusedAccesses} refused accesses, last recovery {Seconds(c.LastRecovery)}");
        b.AppendLine($"  use-after-free {c.Violations} violations ({c.StragglersIssued} stragglers, {c.StragglersRefused} refused, {c.StragglersCancelled} cancelled)");
        b.AppendLine($"  sessions       {c.Sessions} vhost-user sessions, {c.DeviceStarts} device starts");
        if (c.Engine.Count > 0)
        {
            b.AppendLine($"  engine         {string.Join(", ", c.Engine.Select(p => $"{p.Key} {p.Value}"))}");
        }

        return b.ToString();
    }

    public static string Policy(Proto.Policy p)
    {
        if (p.Rules.Count == 0)
        {
            return "no rules: every invalidation completes at once\n";
        }

        var b = new StringBuilder();
        for (var i = 0; i < p.Rules.Count; i++)
        {
            b.AppendLine($"{i + 1}. {Rule(p.Rules[i])}");
        }

        return b.ToString();
    }

    public static string Rule(Proto.FaultRule r)
    {
        var when = new List<string>();
        if (r.HasStreamId)
        {
            when.Add($"StreamID 0x{r.StreamId:x}");
        }

        if (r.Iova is { } iova)
        {
            when.Add($"IOVA [0x{iova.First:x}, 0x{iova.Last:x}]");
        }

        if (r.From is not null)
        {
            when.Add($"from {Seconds(r.From)}");
        }

        if (r.Until is not null)
        {
            when.Add($"until {Seconds(r.Until)}");
        }

        if (r.HasEveryNth)
        {
            when.Add($"every {r.EveryNth}th");
        }

        if (r.HasProbability)
        {
            when.Add($"p={r.Probability.ToString(CultureInfo.InvariantCulture)}");
        }

        if (r.HasLimit)
        {
            when.Add($"at most {r.Limit}x");
        }

        var then = Name(r.Outcome);
        if (Delay(r.Delay) is { } delay)
        {
            then += $" after {delay}";
        }

        if (r.Stragglers is { } s)
        {
            then += $", {s.Count} straggler {Name(s.Kind)}(s) of {s.Bytes} B after {Delay(s.After) ?? "0 s"}";
        }

        return $"{r.Name}: {(when.Count == 0 ? "every invalidation" : string.Join(", ", when))} -> {then}";
    }

    public static string Fence(Proto.FenceResponse r, string verb) =>
        $"{verb}: was {(r.WasFenced ? "fenced" : "not fenced")}, now {FenceLine(r.Fence)}\n";

    public static string Recording(Proto.RecordingStatus r) => RecordingLine(r) + "\n";

    public static string Event(Proto.Event e) => $"{Name(e.Kind),-22} {e.Text}";

    private static string FenceLine(Proto.FenceState? f) => f is null || !f.Fenced
        ? "not fenced"
        : $"FENCED since {f.Since?.ToDateTimeOffset().ToLocalTime():HH:mm:ss.fff} ({f.Reason}); recovery: reset {YesNo(f.DeviceStopped)}, restarted {YesNo(f.DeviceRestarted)}, fresh attach {YesNo(f.SteInvalidated)}";

    private static string RecordingLine(Proto.RecordingStatus? r)
    {
        if (r is null)
        {
            return "off";
        }

        var segment = !r.Active && r.Path.Length == 0 ? "no segment" : $"segment {(r.Active ? "recording" : "stopped")} {r.Path}: {r.Records} records, {r.Bytes} bytes";
        return r.RunTrace.Length > 0 ? $"{segment}; whole run traced to {r.RunTrace}" : segment;
    }

    private static string? Delay(Proto.Delay? d) => d?.KindCase switch
    {
        Proto.Delay.KindOneofCase.Fixed => Seconds(d.Fixed),
        Proto.Delay.KindOneofCase.Uniform => $"uniform {Seconds(d.Uniform.Min)}..{Seconds(d.Uniform.Max)}",
        Proto.Delay.KindOneofCase.ExponentialMean => $"exponential mean {Seconds(d.ExponentialMean)}",
        Proto.Delay.KindOneofCase.LogNormal => $"lognormal mu {d.LogNormal.Mu} sigma {d.LogNormal.Sigma}",
        _ => null,
    };

    private static string Seconds(Duration? d) => d is null ? "-" : d.ToTimeSpan() switch
    {
        var t when t >= TimeSpan.FromSeconds(1) => $"{t.TotalSeconds:0.###} s",
        var t => $"{t.TotalMilliseconds:0.###} ms",
    };

    private static string Micro(Duration? d) => d is null ? "-" : $"{d.ToTimeSpan().TotalMicroseconds:F0} us";

    private static string YesNo(bool b) => b ? "yes" : "no";

    private static string Or(string s, string fallback) => s.Length > 0 ? s : fallback;

    /// <summary>FENCE_POLICY_HOPE -> hope, FAULT_OUTCOME_DROP -> drop (the enum's name without its prefix, kebab case).</summary>
    private static string Name<T>(T value) where T : struct, System.Enum
    {
        var text = value.ToString();
        var words = System.Text.RegularExpressions.Regex.Split(text, "(?<!^)(?=[A-Z])");
        return string.Join('-', words).ToLowerInvariant();
    }
}
