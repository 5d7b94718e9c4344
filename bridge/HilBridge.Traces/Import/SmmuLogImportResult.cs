using HilBridge.Traces.Analysis;

namespace HilBridge.Traces.Import;

/// <summary>What <see cref="SmmuLogImport.Run"/> made of a log.</summary>
public sealed record SmmuLogImportResult
{
    /// <summary>The log has no SMMU trace events (QEMU ran without -trace 'smmuv3_*'?): no trace was written.</summary>
    public static SmmuLogImportResult NoSmmuEvents { get; } = new() { Imported = false, Report = new(), Tally = new() };

    /// <summary>False when the log had nothing to import (<see cref="NoSmmuEvents"/>).</summary>
    public required bool Imported { get; init; }

    /// <summary>The events read and the inputs they became.</summary>
    public required ImportReport Report { get; init; }

    /// <summary>What the engine decided, counted as in the written trace.</summary>
    public required TraceTally Tally { get; init; }
}
