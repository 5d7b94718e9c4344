namespace HilBridge.Bench.Replay;

/// <summary>One timed pass over a trace: records read, engine inputs among them, and what it cost.</summary>
internal sealed record Measurement(string Name, long Records, long Inputs, TimeSpan Elapsed, long PeakRssBytes, long AllocatedBytes, int Gen0, int Gen2)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

    /// <summary>Engine inputs per second: what the engine had to decide (effects are its answers, compared, not counted).</summary>
    public double InputsPerSecond => Inputs / Elapsed.TotalSeconds;
}
