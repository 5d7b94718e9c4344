using HilBridge.Core.Engine;
using HilBridge.Scenarios;
using HilBridge.Traces.Import;

namespace HilBridge.Live.Qemu;

/// <summary>
/// The guest's IOMMU commands as seen through the trace tap, read by the run's <see cref="IommuProfile"/>:
/// counts by command, the device contexts invalidated (which may end a fence's recovery), and how long the
/// vCPU stood still on each command that waits for the bridge (timed by the trace lines' own timestamps).
/// </summary>
public sealed class IommuCommandStream(IommuProfile profile)
{
    private readonly Dictionary<string, long> _commands = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _stalls = new();
    private readonly object _gate = new();
    private DateTimeOffset? _waitingSince;
    private TimeSpan _stallMax;
    private TimeSpan _stallTotal;

    public IommuProfile Profile => profile;

    public long Lines { get; private set; }

    /// <summary>
    /// A device context (STE, VT-d context entry) was invalidated: the requester ID, or null for every
    /// device (a global or domain-wide invalidation). Raised on the tap's thread, outside the lock.
    /// </summary>
    public event Action<uint?>? ContextInvalidated;

    public IReadOnlyDictionary<string, long> CommandCounts
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_commands);
            }
        }
    }

    /// <summary>The vCPU stall per forwarded invalidation; null when none was timed (no timestamps, or none forwarded).</summary>
    public InvalidationStallStatistics? Stalls
    {
        get
        {
            lock (_gate)
            {
                return _stalls.Count == 0 ? null : new InvalidationStallStatistics
                {
                    Count = _stalls.Count,
                    P50 = _stalls.Percentile(50),
                    P99 = _stalls.Percentile(99),
                    Max = _stallMax,
                    Total = _stallTotal,
                };
            }
        }
    }

    /// <summary>Reads one line of QEMU's trace log; returns its event when it is this IOMMU's (to record it), else null.</summary>
    public SmmuTraceEvent? Apply(string line)
    {
        if (!SmmuTraceParser.TryParse(line, profile.TraceEventPrefix, out var e))
        {
            return null;
        }

        Apply(e, QemuLogLine.TryParseTimestamp(line, out var at) ? at : null);
        return e;
    }

    public void Apply(SmmuTraceEvent traceEvent, DateTimeOffset? at = null)
    {
        var seen = profile.Observe(traceEvent);
        lock (_gate)
        {
            Lines++;
            if (seen.Command is { } command)
            {
                _commands[command] = _commands.GetValueOrDefault(command) + 1;
            }

            if (seen.Queued)
            {
                // The queue runs in order on the vCPU: the next command starts when the waiting one got its answer.
                if (_waitingSince is { } since && at is { } now && now >= since)
                {
                    var stall = now - since;
                    _stalls.Record(stall);
                    _stallTotal += stall;
                    _stallMax = stall > _stallMax ? stall : _stallMax;
                }

                _waitingSince = seen.WaitsForDevice ? at : null;
            }
        }

        if (seen.AllContexts)
        {
            ContextInvalidated?.Invoke(null);
        }

        for (var i = 0u; i < seen.ContextCount; i++)
        {
            ContextInvalidated?.Invoke(seen.ContextFirst + i);
        }
    }
}
