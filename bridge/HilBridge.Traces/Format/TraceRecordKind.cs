namespace HilBridge.Traces.Format;

/// <summary>What a trace record holds; the numbers are TraceRecord's oneof field numbers in protos/trace.proto.</summary>
public enum TraceRecordKind
{
    /// <summary>An engine input (<see cref="TraceEntry.Input"/>, and for BeginAccess <see cref="TraceEntry.Result"/>).</summary>
    Input = 1,
    /// <summary>An engine decision (<see cref="TraceEntry.Effect"/>).</summary>
    Effect = 2,
    /// <summary>A line of QEMU's SMMU trace (<see cref="TraceEntry.Smmu"/>).</summary>
    Smmu = 3,
    /// <summary>A guest console report (<see cref="TraceEntry.Guest"/>).</summary>
    Guest = 4,
    /// <summary>The live run's judged summary (<see cref="TraceEntry.RunEnd"/>).</summary>
    RunEnd = 5,
    /// <summary>The recorder closed the file (<see cref="TraceEntry.End"/>).</summary>
    End = 6,
    /// <summary>The host's measured latency of one acknowledgement (<see cref="TraceEntry.Measurement"/>); live traces since issue 17.</summary>
    AckMeasured = 7,
}
