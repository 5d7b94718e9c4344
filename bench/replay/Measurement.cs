namespace HilBridge.Bench.Replay;

/// <summary>One timed pass over the trace.</summary>
internal sealed record Measurement(string Name, long Records, long Events, TimeSpan Elapsed, long PeakRssBytes, long AllocatedBytes, int Gen0, int Gen2)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

    /// <summary>Engine events (inputs and effects) per second: the "events" a replay processes.</summary>
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}
