using System.Numerics;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Report;

/// <summary>
/// Builds a <see cref="RunTimeline"/> from the engine's inputs and effects (live, as one more observer,
/// or fed from a trace), the host's measured acknowledgement latencies and the guest's reports. Bounded:
/// the first <see cref="MaxInvalidations"/> invalidations and <see cref="MaxMarks"/> marks are kept, every
/// latency is counted. Callbacks come from the engine lock and the console reader: one lock of its own.
/// </summary>
public sealed class TimelineRecorder(DateTimeOffset engineStart, TimeProvider time) : IEngineObserver
{
    public const int MaxInvalidations = 20_000;
    public const int MaxMarks = 5_000;

    private readonly Lock _lock = new();
    private readonly List<Pending> _invalidations = [];
    private readonly Dictionary<ulong, Pending> _byId = [];
    private readonly List<TimelineFence> _fences = [];
    private readonly List<TimelineMark> _marks = [];
    private readonly long[] _measured = new long[64];
    private readonly long[] _engineDelay = new long[64];
    private long _omitted;
    private double _endUs;

    public void OnInput(in EngineInput input, AccessResult? result)
    {
        lock (_lock)
        {
            var at = Us(input.At);
            switch (input.Kind)
            {
                case EngineInputKind.IotlbInvalidate when _invalidations.Count < MaxInvalidations:
                    var kept = new Pending(new TimelineInvalidation(input.Id, at, $"0x{input.Iova:x}", input.Size));
                    _invalidations.Add(kept);
                    _byId[input.Id] = kept;
                    break;
                case EngineInputKind.IotlbInvalidate:
                    _omitted++;
                    break;
                case EngineInputKind.BeginAccess when result == AccessResult.Fenced:
                    Mark(TimelineMarkKinds.Refused, at, $"{input.Purpose} access refused at 0x{input.Iova:x} (fenced)");
                    break;
                case EngineInputKind.DeviceStopped or EngineInputKind.DeviceStarted or EngineInputKind.SteInvalidated
                    or EngineInputKind.Fence or EngineInputKind.Unfence or EngineInputKind.SetPolicy:
                    Mark(TimelineMarkKinds.Control, at, ControlLabel(input));
                    break;
            }
        }
    }

    public void OnEffect(in EngineEffect effect)
    {
        lock (_lock)
        {
            var at = Us(effect.At);
            switch (effect.Kind)
            {
                case EffectKind.AckInvalidation:
                    _engineDelay[Bucket(effect.Latency)]++;
                    if (_byId.TryGetValue(effect.RequestId, out var acked))
                    {
                        acked.Value = acked.Value with { AckUs = at, Status = effect.Status, DelayUs = effect.Latency.TotalMicroseconds };
                    }

                    break;
                case EffectKind.InvalidationTimedOut:
                    if (_byId.TryGetValue(effect.RequestId, out var late))
                    {
                        late.Value = late.Value with { TimedOut = true };
                    }

                    Mark(TimelineMarkKinds.Timeout, at, $"invalidation {effect.RequestId} timed out", effect.RequestId);
                    break;
                case EffectKind.Fenced:
                    if (_fences.Count == 0 || _fences[^1].EndUs is not null)
                    {
                        _fences.Add(new TimelineFence(at, effect.Reason ?? ""));
                    }

                    break;
                case EffectKind.Unfenced when _fences.Count > 0 && _fences[^1].EndUs is null:
                    _fences[^1] = _fences[^1] with { EndUs = at, UnfenceReason = effect.Reason };
                    break;
                case EffectKind.Violation:
                    var v = effect.Violation;
                    Mark(TimelineMarkKinds.Violation, at,
                        $"use-after-free: {v.Kind} of {v.Bytes} B at 0x{v.Iova:x}, {v.TimeSinceAck.TotalMilliseconds:0.###} ms after invalidation {v.RequestId} was acknowledged ({v.Source})", v.RequestId);
                    break;
                case EffectKind.StragglerAccess:
                    var s = effect.Straggler;
                    Mark(TimelineMarkKinds.Straggler, at, $"straggler #{s.Id} {s.Kind} of {s.Bytes} B at 0x{s.Iova:x}: {s.Outcome}", s.RequestId);
                    break;
            }
        }
    }

    /// <summary>The host's measurement of one acknowledgement: receipt of the invalidation to the reply.</summary>
    public void OnAckMeasured(ulong requestId, TimeSpan latency)
    {
        lock (_lock)
        {
            _measured[Bucket(latency)]++;
            if (_byId.TryGetValue(requestId, out var kept))
            {
                kept.Value = kept.Value with { MeasuredUs = latency.TotalMicroseconds };
            }
        }
    }

    /// <summary>A guest report ("round", "corruption", ...), stamped now.</summary>
    public void OnGuest(string label)
    {
        lock (_lock)
        {
            Mark(TimelineMarkKinds.Guest, Us(time.GetUtcNow()), label);
        }
    }

    public RunTimeline Build()
    {
        lock (_lock)
        {
            var measured = _measured.Any(c => c > 0);
            return new RunTimeline
            {
                EndUs = _endUs,
                Invalidations = _invalidations.Select(p => p.Value).ToList(),
                InvalidationsOmitted = _omitted,
                Fences = _fences.ToList(),
                Marks = _marks.ToList(),
                AckLatency = Buckets(measured ? _measured : _engineDelay),
                AckLatencySource = measured ? "measured" : "engine",
            };
        }
    }

    private double Us(DateTimeOffset at)
    {
        var us = (at - engineStart).TotalMicroseconds;
        _endUs = Math.Max(_endUs, us);
        return us;
    }

    private void Mark(string kind, double at, string label, ulong? requestId = null)
    {
        if (_marks.Count < MaxMarks)
        {
            _marks.Add(new TimelineMark(kind, at, label) { RequestId = requestId });
        }
    }

    private static string ControlLabel(in EngineInput input) => input.Kind switch
    {
        EngineInputKind.SteInvalidated => $"CFGI_STE for StreamID 0x{input.Id:x}",
        EngineInputKind.Fence or EngineInputKind.Unfence => $"{input.Kind}: {input.Reason}",
        EngineInputKind.SetPolicy => "fault policy changed",
        _ => input.Kind.ToString(),
    };

    /// <summary>0: below 1 us; k: [2^(k-1), 2^k) us.</summary>
    private static int Bucket(TimeSpan latency)
    {
        var us = (ulong)Math.Max(0, (long)latency.TotalMicroseconds);
        return us == 0 ? 0 : Math.Min(63, 64 - BitOperations.LeadingZeroCount(us));
    }

    private static List<LatencyBucket> Buckets(long[] counts)
    {
        int first = Array.FindIndex(counts, c => c > 0);
        if (first < 0)
        {
            return [];
        }

        int last = Array.FindLastIndex(counts, c => c > 0);
        return Enumerable.Range(first, last - first + 1)
            .Select(k => new LatencyBucket(k == 0 ? 0 : Math.Pow(2, k - 1), Math.Pow(2, k), counts[k]))
            .ToList();
    }

    /// <summary>A kept invalidation, updated in place as its acknowledgement and measurement arrive.</summary>
    private sealed class Pending(TimelineInvalidation value)
    {
        public TimelineInvalidation Value { get; set; } = value;
    }
}
