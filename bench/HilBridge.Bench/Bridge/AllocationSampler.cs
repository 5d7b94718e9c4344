using System.Diagnostics.Tracing;

namespace HilBridge.Bench.Bridge;

/// <summary>
/// Which types the process allocates, from the runtime's GCAllocationTick events (one per ~100 KB
/// allocated, naming the type of the object that crossed the mark): a cheap sampling profile that
/// needs no external tool. Counts are samples, so multiply by ~100 KB for bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _samples = [];

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
        {
            return;
        }

        var i = e.PayloadNames.IndexOf("TypeName");
        var type = i >= 0 ? e.Payload?[i] as string ?? "?" : "?";
        lock (_samples)
        {
            _samples[type] = _samples.GetValueOrDefault(type) + 1;
        }
    }

    /// <summary>"type=samples" pairs, most sampled first.</summary>
    public string Describe(int top = 12)
    {
        lock (_samples)
        {
            return string.Join(' ', _samples.OrderByDescending(kv => kv.Value).Take(top).Select(kv => $"{kv.Key.Replace(' ', '_')}={kv.Value}"));
        }
    }
}
