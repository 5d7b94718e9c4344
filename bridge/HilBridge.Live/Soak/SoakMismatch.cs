namespace HilBridge.Live.Soak;

/// <summary>
/// A round that read back other data than it wrote, with what is needed to find its cause: the
/// blocks that differed and what they held instead (the guest's data names the write it came from),
/// and what happened to the round before (I/O errors, recoveries), each with the soak time and the
/// fault policy in force then.
/// </summary>
/// <param name="Run">The guest run (1-based): its folder run-N holds console.log, bridge.log and any trace.</param>
/// <param name="Round">The guest's round number.</param>
/// <param name="Attempt">The round's try that read back wrong (1 = first).</param>
/// <param name="GuestUptime">Guest uptime (s) at the round line.</param>
/// <param name="SoakSeconds">Soak time (s) the host received the round line.</param>
/// <param name="Epoch">The fault policy in force then.</param>
/// <param name="Blocks">The blocks that differed (the guest lists the first 16).</param>
/// <param name="Before">The round's earlier events, oldest first.</param>
public sealed record SoakMismatch(
    int Run,
    int Round,
    int Attempt,
    double GuestUptime,
    double SoakSeconds,
    string Epoch,
    IReadOnlyList<SoakBlockMismatch> Blocks,
    IReadOnlyList<SoakRoundEvent> Before)
{
    /// <summary>Several lines for people: the round, each block and each earlier event.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"run {Run} round {Round} attempt {Attempt}: read back different data at guest uptime {GuestUptime:F2} s, soak {SoakSeconds:F0} s ({Epoch})",
        };
        lines.AddRange(Blocks.Select(b => $"  block {b.Block} (offset {b.Offset}, {b.Bytes} bytes differ) holds {b.Got}"));
        lines.AddRange(Before.Select(e => $"  before: {e.What} at guest uptime {e.GuestUptime:F2} s, soak {e.SoakSeconds:F0} s ({e.Epoch})"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <param name="Block">The 4 KiB block.</param>
/// <param name="Offset">The first differing byte's offset in it.</param>
/// <param name="Bytes">How many bytes of it differ.</param>
/// <param name="Got">What it holds there: the guest's own line (which round, attempt and block wrote it) or hex.</param>
public sealed record SoakBlockMismatch(long Block, long Offset, long Bytes, string Got);

/// <param name="What">The guest's report, e.g. "ioerror attempt=1 phase=write block=235".</param>
public sealed record SoakRoundEvent(string What, double GuestUptime, double SoakSeconds, string Epoch);
