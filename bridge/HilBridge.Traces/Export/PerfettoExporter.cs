using System.Globalization;
using System.Text.Json;
using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;

namespace HilBridge.Traces.Export;

/// <summary>
/// Writes a trace as Chrome/Perfetto trace-event JSON (open it in ui.perfetto.dev or chrome://tracing),
/// streaming, in constant memory apart from the invalidations still pending.
/// <list type="bullet">
/// <item>per StreamID: "invalidations sid 0x.." async slices from arrival to acknowledgement (args: range,
/// status, latency); "fenced sid 0x.." slices from fence to unfence; a "pending invalidations" counter;</item>
/// <item>on the device thread: instant events for timeouts, violations (UAF), stragglers, refused accesses,
/// and the recovery steps (device stop/start, STE invalidation, manual fence/unfence);</item>
/// <item>"guest" and "smmu" threads: the guest's reports and QEMU's SMMU commands.</item>
/// </list>
/// Accesses and IOTLB updates are left out unless <see cref="IncludeAccesses"/> (there are tens of thousands).
/// </summary>
public sealed class PerfettoExporter
{
    private const int Pid = 1;
    private const int GuestTid = 1;
    private const int SmmuTid = 2;
    private const int UnknownDeviceTid = 3;

    private readonly Dictionary<ulong, (DateTimeOffset At, int Tid)> _pending = new();
    private readonly HashSet<int> _namedThreads = new();
    private Utf8JsonWriter _json = null!;
    private DateTimeOffset _start;
    private DateTimeOffset _last;
    private uint? _streamId;
    private long _fenceId;
    private bool _fenced;
    private int _fenceTid;

    /// <summary>Also emit every access and IOTLB update as an instant event.</summary>
    public bool IncludeAccesses { get; init; }

    public long EventsWritten { get; private set; }

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
        Meta("process_name", null, $"HilBridge {reader.Header.Scenario}");
        Meta("thread_name", GuestTid, "guest");
        Meta("thread_name", SmmuTid, "smmu commands");
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
                case TraceRecordKind.Smmu:
                    Instant(SmmuTid, entry.At, entry.Smmu!.Name == "smmuv3_cmdq_opcode" ? entry.Smmu.Message.Replace("<---", "").Trim() : entry.Smmu.Name,
                        "smmu", ("message", entry.Smmu.Message));
                    break;
                case TraceRecordKind.Guest:
                    Instant(GuestTid, entry.At, "guest " + entry.Guest!.Kind, "guest",
                        entry.Guest.Fields.Select(p => (p.Key, p.Value)).ToArray());
                    break;
                case TraceRecordKind.RunEnd:
                    Instant(GuestTid, entry.At, "run " + entry.RunEnd!.Outcome, "run", ("reason", entry.RunEnd.Reason));
                    break;
            }
        }

        // Close what the trace left open, so every slice has an end.
        foreach (var (id, open) in _pending.OrderBy(p => p.Key))
        {
            Async('e', open.Tid, _last, InvalidationTrack(open.Tid), "invalidation", id, ("unanswered", "at end of trace"));
        }

        if (_fenced)
        {
            Async('e', _fenceTid, _last, FenceTrack(_fenceTid), "fence", (ulong)_fenceId, ("still fenced", "at end of trace"));
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private int DeviceTid()
    {
        int tid = _streamId is uint sid ? 16 + (int)(sid & 0xFFFFFF) : UnknownDeviceTid;
        if (_namedThreads.Add(tid))
        {
            Meta("thread_name", tid, _streamId is uint s ? $"device sid 0x{s:x}" : "device (StreamID unknown)");
        }

        return tid;
    }

    private string InvalidationTrack(int tid) => tid == UnknownDeviceTid ? "invalidations" : $"invalidations sid 0x{tid - 16:x}";

    private string FenceTrack(int tid) => tid == UnknownDeviceTid ? "fenced" : $"fenced sid 0x{tid - 16:x}";

    private void OnInput(in EngineInput i, AccessResult? result)
    {
        int tid = DeviceTid();
        switch (i.Kind)
        {
            case EngineInputKind.IotlbInvalidate:
                _pending[i.Id] = (i.At, tid);
                Async('b', tid, i.At, InvalidationTrack(tid), "invalidation", i.Id,
                    ("req", i.Id.ToString(CultureInfo.InvariantCulture)), ("iova", $"0x{i.Iova:x}"), ("size", $"0x{i.Size:x}"));
                Counter(tid, i.At);
                break;
            case EngineInputKind.BeginAccess when result == AccessResult.Fenced:
                Instant(tid, i.At, "access refused (fenced)", "access", ("iova", $"0x{i.Iova:x}"), ("purpose", i.Purpose.ToString()));
                break;
            case EngineInputKind.BeginAccess or EngineInputKind.EndAccess or EngineInputKind.IotlbUpdate when IncludeAccesses:
                Instant(tid, i.At, TraceText.Input(i, result), "access");
                break;
            case EngineInputKind.DeviceStopped or EngineInputKind.DeviceStarted or EngineInputKind.SteInvalidated
                or EngineInputKind.Fence or EngineInputKind.Unfence or EngineInputKind.SetPolicy or EngineInputKind.SetStreamId:
                Instant(tid, i.At, TraceText.Input(i, result), "control");
                if (i.Kind == EngineInputKind.SetStreamId)
                {
                    _streamId = (uint)i.Id;
                }

                break;
        }
    }

    private void OnEffect(in EngineEffect e)
    {
        int tid = DeviceTid();
        switch (e.Kind)
        {
            case EffectKind.AckInvalidation:
                int openTid = _pending.Remove(e.RequestId, out var open) ? open.Tid : tid;
                Async('e', openTid, e.At, InvalidationTrack(openTid), "invalidation", e.RequestId,
                    ("status", e.Status.ToString(CultureInfo.InvariantCulture)), ("latency_us", (e.Latency.Ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture)));
                Counter(openTid, e.At);
                break;
            case EffectKind.InvalidationTimedOut:
                Instant(tid, e.At, $"timeout req {e.RequestId}", "timeout");
                break;
            case EffectKind.Fenced:
                if (!_fenced)
                {
                    _fenced = true;
                    _fenceTid = tid;
                    Async('b', tid, e.At, FenceTrack(tid), "fence", (ulong)++_fenceId, ("reason", e.Reason ?? ""));
                }

                Instant(tid, e.At, "fenced", "fence", ("reason", e.Reason ?? ""));
                break;
            case EffectKind.Unfenced:
                if (_fenced)
                {
                    _fenced = false;
                    Async('e', _fenceTid, e.At, FenceTrack(_fenceTid), "fence", (ulong)_fenceId,
                        ("reason", e.Reason ?? ""), ("recovery_ms", e.RecoveryTime.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)));
                }

                Instant(tid, e.At, "unfenced (recovered)", "fence", ("reason", e.Reason ?? ""));
                break;
            case EffectKind.Violation:
                Instant(tid, e.At, "UAF violation", "violation", ("detail", TraceText.Effect(e)));
                break;
            case EffectKind.StragglerAccess:
                Instant(tid, e.At, $"straggler {e.Straggler.Outcome}", "straggler", ("detail", TraceText.Effect(e)));
                break;
        }
    }

    private double Ts(DateTimeOffset at) => (at - _start).Ticks / 10.0;

    private void Begin(char ph, int? tid, DateTimeOffset at, string name, string cat)
    {
        _json.WriteStartObject();
        _json.WriteString("name", name);
        _json.WriteString("cat", cat);
        _json.WriteString("ph", ph.ToString());
        _json.WriteNumber("ts", Ts(at));
        _json.WriteNumber("pid", Pid);
        if (tid is int t)
        {
            _json.WriteNumber("tid", t);
        }

        EventsWritten++;
    }

    private void Args(params (string Key, string Value)[] args)
    {
        if (args.Length == 0)
        {
            return;
        }

        _json.WriteStartObject("args");
        foreach (var (key, value) in args)
        {
            _json.WriteString(key, value);
        }

        _json.WriteEndObject();
    }

    private void Instant(int tid, DateTimeOffset at, string name, string cat, params (string Key, string Value)[] args)
    {
        Begin('i', tid, at, name, cat);
        _json.WriteString("s", "t");
        Args(args);
        _json.WriteEndObject();
    }

    private void Async(char ph, int tid, DateTimeOffset at, string name, string cat, ulong id, params (string Key, string Value)[] args)
    {
        Begin(ph, tid, at, name, cat);
        _json.WriteString("id", $"0x{id:x}");
        Args(args);
        _json.WriteEndObject();
    }

    private void Counter(int tid, DateTimeOffset at)
    {
        Begin('C', tid, at, InvalidationTrack(tid).Replace("invalidations", "pending invalidations"), "counter");
        _json.WriteStartObject("args");
        _json.WriteNumber("pending", _pending.Count);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void Meta(string kind, int? tid, string name)
    {
        _json.WriteStartObject();
        _json.WriteString("name", kind);
        _json.WriteString("ph", "M");
        _json.WriteNumber("pid", Pid);
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
}
