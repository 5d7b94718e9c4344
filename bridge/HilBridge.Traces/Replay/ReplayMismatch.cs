namespace HilBridge.Traces.Replay;

/// <summary>
/// The first place where the replayed engine decided differently from the recording: the record,
/// what the recording says and what the replay did, and the input that led there.
/// </summary>
public sealed record ReplayMismatch(
    long RecordIndex,
    long Offset,
    string At,
    string What,
    string Expected,
    string Actual,
    long? LastInputIndex,
    string? LastInput)
{
    public override string ToString() =>
        $"replay diverged at record #{RecordIndex} (byte {Offset}, {At}): {What}\n" +
        $"  expected (recorded): {Expected}\n" +
        $"  actual   (replayed): {Actual}" +
        (LastInputIndex is { } i ? $"\n  after input #{i}: {LastInput}" : "");
}
