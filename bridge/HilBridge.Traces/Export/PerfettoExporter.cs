using System.Globalization;
using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;

namespace HilBridge.Traces.Export;

/// <summary>
/// Writes a trace as Chrome/Perfetto trace-event JSON (open it in ui.perfetto.dev or chrome://tracing),
/// streaming, in bounded memory (the invalidations still open and a window of recent arrivals).
/// <list type="bullet">
/// <item>The device (the trace's engine serves one) is one process, named by its StreamID once known:
/// its "invalidation" slices run from arrival for the latency the host measured (receipt to answer, what
/// the guest waited; the engine's added delay where the trace has no measurement), its "fenced" slices from
/// fence to unfence, a "pending invalidations" counter, and on its thread the timeouts, stragglers, violations,
/// refused accesses and recovery steps;</item>
/// <item>flows join an invalidation to its timeout, its stragglers and their violations, in that order;</item>
/// <item>arguments that are quantities are numbers (latency_us, size, req, status, bytes...); addresses are hex strings;</item>
/// <item>process "HilBridge": the guest's reports and QEMU's SMMU commands on their own threads.</item>
/// </list>
/// Accesses and IOTLB updates are left out unless <see cref="IncludeAccesses"/> (there are tens of thousands).
/// </summary>
public sealed class PerfettoExporter
{
    private const int HostPid = 1;
    private const int DevicePid = 2;
    private const int GuestTid = 1;
    private const int SmmuTid = 2;
    private const int DeviceTid = 1;
    private const int MaxHeldAcks = 4096;
    private const int MaxRememberedArrivals = 65_536;

    /// <summary>A flow's anchor slice lasts one trace tick, so anchors never overlap without nesting.</summary>
    private const double AnchorUs = 0.1;

    private readonly Dictionary<ulong, DateTimeOffset> _pending = new();
    private readonly Dictionary<ulong, HeldAck> _held = new();
    private readonly Queue<ulong> _heldOrder = new();
    private readonly Dictionary<ulong, DateTimeOffset> _arrivals = new();
    private readonly Queue<ulong> _arrivalOrder = new();
    private readonly Dictionary<ulong, DateTimeOffset> _chainEnd = new();
    private Utf8JsonWriter _json = null!;
    private DateTimeOffset _start;
    private DateTimeOffset _last;
    private uint? _streamId;
    private long _fenceId;
    private long _flowId;
    private bool _fenced;

    /// <summary>Also emit every access and IOTLB update as an instant event.</summary>
    public bool IncludeAccesses { get; init; }

    public long EventsWritten { get; private set; }

    /// <summary>Invalidation slices whose length is the host's measurement (the rest: the engine's delay).</summary>
    public long MeasuredSlices { get; private set; }

    public void Export(TraceReader reader, Stream output)
    {
        _start = reader.EngineStart;
        _last = _start;
        _streamId = reader.Header.Engine.HasStreamId ? reader.Header.Engine.StreamId : null;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        _json = json;
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("scenario", reader.Header.Scenario);
        json.WriteString("source", reader.Header.Source);
        foreach (var (k, v) in reader.Header.Versions)
        {
            json.WriteString(k, v);
        }

        json.WriteEndObject();
        json.WriteStartArray("traceEvents");
        Meta("process_name", HostPid, null, $"HilBridge {reader.Header.Scenario}");
        Meta("thread_name", HostPid, GuestTid, "guest");
        Meta("thread_name", HostPid, SmmuTid, "smmu commands");
        while (reader.TryRead(out var entry))
        {
            if (entry.At > _last)
            {
                _last = entry.At;
            }

            switch (entry.Kind)
            {
                case TraceRecordKind.Input:
                    OnInput(entry.Input, entry.Result);
                    break;
                case TraceRecordKind.Effect:
                    OnEffect(entry.Effect);
                    break;
                case TraceRecordKind.AckMeasured:
                    OnMeasured(entry.Measurement);
                    break;
                case TraceRecordKind.Smmu:
                    Instant(HostPid, SmmuTid, entry.At, entry.Smmu!.Name == "smmuv3_cmdq_opcode" ? entry.Smmu.Message.Replace("<---", "").Trim() : entry.Smmu.Name,
                        "smmu", ("message", entry.Smmu.Message));
                    break;
                case TraceRecordKind.Guest:
                    Instant(HostPid, GuestTid, entry.At, "guest " + entry.Guest!.Kind, "guest",
                        entry.Guest.Fields.Select(p => (p.Key, (object)p.Value)).ToArray());
                    break;
                case TraceRecordKind.RunEnd:
                    Instant(HostPid, GuestTid, entry.At, "run " + entry.RunEnd!.Outcome, "run", ("reason", entry.RunEnd.Reason));
                    if (entry.RunEnd.HasStreamId)
                    {
                        _streamId ??= entry.RunEnd.StreamId;
                    }

                    break;
            }
        }

        // Close what the trace left open, so every slice has an end.
        while (_heldOrder.Count > 0)
        {
            ReleaseOldestHeld();
        }

        foreach (var (id, arrival) in _pending.OrderBy(p => p.Key))
        {
            Async('e', _last, "invalidation", "invalidation", id, ("unanswered", "at end of trace"));
        }

        if (_fenced)
        {
            Async('e', _last, "fenced", "fence", (ulong)_fenceId, ("still fenced", "at end of trace"));
        }

        // Named last: a live trace learns the StreamID after the device's first invalidations, and
        // trace-event metadata applies wherever it appears.
        var device = _streamId is uint sid ? $"device sid 0x{sid:x}" : "device (StreamID unknown)";
        Meta("process_name", DevicePid, null, device);
        Meta("thread_name", DevicePid, DeviceTid, device);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void OnInput(in EngineInput i, AccessResult? result)
    {
        switch (i.Kind)
        {
            case EngineInputKind.IotlbInvalidate:
                _pending[i.Id] = i.At;
                RememberArrival(i.Id, i.At);
                Async('b', i.At, "invalidation", "invalidation", i.Id, ("req", i.Id), ("iova", $"0x{i.Iova:x}"), ("size", i.Size));
                Counter(i.At);
                break;
            case EngineInputKind.BeginAccess when result == AccessResult.Fenced:
                Instant(DevicePid, DeviceTid, i.At, "access refused (fenced)", "access", ("iova", $"0x{i.Iova:x}"), ("purpose", i.Purpose.ToString()));
                break;
            case EngineInputKind.BeginAccess or EngineInputKind.EndAccess or EngineInputKind.IotlbUpdate when IncludeAccesses:
                Instant(DevicePid, DeviceTid, i.At, TraceText.Input(i, result), "access");
                break;
            case EngineInputKind.DeviceStopped or EngineInputKind.DeviceStarted or EngineInputKind.SteInvalidated
                or EngineInputKind.Fence or EngineInputKind.Unfence or EngineInputKind.SetPolicy or EngineInputKind.SetStreamId:
                Instant(DevicePid, DeviceTid, i.At, TraceText.Input(i, result), "control");
                if (i.Kind == EngineInputKind.SetStreamId)
                {
                    _streamId = (uint)i.Id;
                }

                break;
        }
    }

    private void OnEffect(in EngineEffect e)
    {
        switch (e.Kind)
        {
            case EffectKind.AckInvalidation:
                var arrival = _pending.Remove(e.RequestId, out var at) ? at : e.At - e.Latency;
                Hold(e.RequestId, new HeldAck(arrival, e.At, e.Status, e.Latency));
                Counter(e.At);
                break;
            case EffectKind.InvalidationTimedOut:
                ChainEvent(e.RequestId, e.At, $"timeout req {e.RequestId}", "timeout", ("req", e.RequestId));
                break;
            case EffectKind.Fenced:
                if (!_fenced)
                {
                    _fenced = true;
                    Async('b', e.At, "fenced", "fence", (ulong)++_fenceId, ("reason", e.Reason ?? ""));
                }

                Instant(DevicePid, DeviceTid, e.At, "fenced", "fence", ("reason", e.Reason ?? ""));
                break;
            case EffectKind.Unfenced:
                if (_fenced)
                {
                    _fenced = false;
                    Async('e', e.At, "fenced", "fence", (ulong)_fenceId, ("reason", e.Reason ?? ""), ("recovery_ms", e.RecoveryTime.TotalMilliseconds));
                }

                Instant(DevicePid, DeviceTid, e.At, "unfenced (recovered)", "fence", ("reason", e.Reason ?? ""));
                break;
            case EffectKind.Violation:
                var v = e.Violation;
                ChainEvent(v.RequestId, e.At, "UAF violation", "violation", ("req", v.RequestId), ("iova", $"0x{v.Iova:x}"), ("bytes", v.Bytes),
                    ("access", v.Kind.ToString()), ("since_ack_ms", v.TimeSinceAck.TotalMilliseconds), ("source", v.Source.ToString()), ("detail", TraceText.Effect(e)));
                break;
            case EffectKind.StragglerAccess:
                var s = e.Straggler;
                ChainEvent(s.RequestId, e.At, $"straggler {s.Outcome}", "straggler", ("req", s.RequestId), ("straggler", s.Id), ("iova", $"0x{s.Iova:x}"),
                    ("bytes", s.Bytes), ("access", s.Kind.ToString()), ("outcome", s.Outcome.ToString()), ("detail", TraceText.Effect(e)));
                break;
        }
    }

    /// <summary>The host's measurement arrives just after the acknowledgement: the slice ends at arrival + measured latency.</summary>
    private void OnMeasured(in AckMeasurement m)
    {
        if (!_held.Remove(m.RequestId, out var ack))
        {
            return;
        }

        MeasuredSlices++;
        Async('e', ack.Arrival + m.Latency, "invalidation", "invalidation", m.RequestId,
            ("status", ack.Status), ("latency_us", m.Latency.TotalMicroseconds), ("model_delay_us", ack.ModelDelay.TotalMicroseconds));
    }

    /// <summary>An acknowledgement waits for its measurement; unmeasured ones (older traces) end at the engine's acknowledgement.</summary>
    private void Hold(ulong id, HeldAck ack)
    {
        _held[id] = ack;
        _heldOrder.Enqueue(id);
        while (_heldOrder.Count > MaxHeldAcks)
        {
            ReleaseOldestHeld();
        }
    }

    private void ReleaseOldestHeld()
    {
        var id = _heldOrder.Dequeue();
        if (_held.Remove(id, out var ack))
        {
            Async('e', ack.AckAt, "invalidation", "invalidation", id,
                ("status", ack.Status), ("latency_us", ack.ModelDelay.TotalMicroseconds), ("model_delay_us", ack.ModelDelay.TotalMicroseconds), ("measured", "no"));
        }
    }

    private void RememberArrival(ulong id, DateTimeOffset at)
    {
        _arrivals[id] = at;
        _arrivalOrder.Enqueue(id);
        if (_arrivalOrder.Count > MaxRememberedArrivals)
        {
            var old = _arrivalOrder.Dequeue();
            _arrivals.Remove(old);
            _chainEnd.Remove(old);
        }
    }

    /// <summary>
    /// One step of an invalidation's story on the device thread (timeout, straggler, violation), with a flow from
    /// the previous step, or from the invalidation's arrival for the first. Flow events bind to the thread slice
    /// enclosing their time, so each step is a one-tick slice and the arrival gets an anchor slice.
    /// </summary>
    private void ChainEvent(ulong requestId, DateTimeOffset at, string name, string cat, params (string Key, object Value)[] args)
    {
        Slice(at, name, cat, args);
        DateTimeOffset? from = _chainEnd.TryGetValue(requestId, out var previous) ? previous : null;
        if (from is null && _arrivals.TryGetValue(requestId, out var arrival))
        {
            Slice(arrival, $"invalidation req {requestId}", "invalidation", ("req", requestId));
            from = arrival;
        }

        if (from is { } start)
        {
            var id = (ulong)++_flowId;
            Flow('s', start, id);
            Flow('f', at, id);
        }

        if (_arrivals.ContainsKey(requestId))
        {
            _chainEnd[requestId] = at;
        }
    }

    private double Ts(DateTimeOffset at) => (at - _start).Ticks / 10.0;

    private void Begin(char ph, int pid, int? tid, DateTimeOffset at, string name, string cat)
    {
        _json.WriteStartObject();
        _json.WriteString("name", name);
        _json.WriteString("cat", cat);
        _json.WriteString("ph", ph.ToString());
        _json.WriteNumber("ts", Ts(at));
        _json.WriteNumber("pid", pid);
        if (tid is int t)
        {
            _json.WriteNumber("tid", t);
        }

        EventsWritten++;
    }

    private void Args((string Key, object Value)[] args)
    {
        if (args.Length == 0)
        {
            return;
        }

        _json.WriteStartObject("args");
        foreach (var (key, value) in args)
        {
            switch (value)
            {
                case double d: _json.WriteNumber(key, Math.Round(d, 3)); break;
                case ulong u: _json.WriteNumber(key, u); break;
                case long l: _json.WriteNumber(key, l); break;
                case int n: _json.WriteNumber(key, n); break;
                default: _json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }

        _json.WriteEndObject();
    }

    private void Instant(int pid, int tid, DateTimeOffset at, string name, string cat, params (string Key, object Value)[] args)
    {
        Begin('i', pid, tid, at, name, cat);
        _json.WriteString("s", "t");
        Args(args);
        _json.WriteEndObject();
    }

    private void Slice(DateTimeOffset at, string name, string cat, params (string Key, object Value)[] args)
    {
        Begin('X', DevicePid, DeviceTid, at, name, cat);
        _json.WriteNumber("dur", AnchorUs);
        Args(args);
        _json.WriteEndObject();
    }

    private void Flow(char ph, DateTimeOffset at, ulong id)
    {
        Begin(ph, DevicePid, DeviceTid, at, "invalidation story", "flow");
        _json.WriteNumber("id", id);
        if (ph == 'f')
        {
            _json.WriteString("bp", "e"); // bind to the enclosing slice, not the next one
        }

        _json.WriteEndObject();
    }

    private void Async(char ph, DateTimeOffset at, string name, string cat, ulong id, params (string Key, object Value)[] args)
    {
        Begin(ph, DevicePid, DeviceTid, at, name, cat);
        _json.WriteString("id", $"0x{id:x}");
        Args(args);
        _json.WriteEndObject();
    }

    private void Counter(DateTimeOffset at)
    {
        Begin('C', DevicePid, DeviceTid, at, "pending invalidations", "counter");
        _json.WriteStartObject("args");
        _json.WriteNumber("pending", _pending.Count);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void Meta(string kind, int pid, int? tid, string name)
    {
        _json.WriteStartObject();
        _json.WriteString("name", kind);
        _json.WriteString("ph", "M");
        _json.WriteNumber("pid", pid);
        if (tid is int t)
        {
            _json.WriteNumber("tid", t);
        }

        _json.WriteStartObject("args");
        _json.WriteString("name", name);
        _json.WriteEndObject();
        _json.WriteEndObject();
        EventsWritten++;
    }

    private readonly record struct HeldAck(DateTimeOffset Arrival, DateTimeOffset AckAt, ulong Status, TimeSpan ModelDelay);
}
