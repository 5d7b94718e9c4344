using System.Text;
using System.Text.Json.Serialization;

namespace HilBridge.Live.Soak;

/// <summary>
/// The figures of a soak. It passes when no use-after-free happened, no round's data came back
/// different, every recovery succeeded, the guest verified data, and the bridge's private memory did
/// not grow (last quarter of the samples against the first).
/// </summary>
public sealed record SoakReport
{
    /// <summary>Growth of RssAnon, last quarter against first, beyond which the bridge counts as leaking.</summary>
    public const double GrowthLimitRatio = 1.2;
    public const long GrowthLimitKb = 16 * 1024;

    public required double RequestedSeconds { get; init; }
    public required double WallSeconds { get; init; }
    public required int GuestRuns { get; init; }
    public required IReadOnlyList<string> RunOutcomes { get; init; }

    /// <summary>The guest kernels the runs booted: release (source).</summary>
    public IReadOnlyList<string> GuestKernels { get; init; } = [];

    public int Rounds { get; init; }
    public int RoundsVerified { get; init; }
    public int DataMismatches { get; init; }

    /// <summary>Each round that read back different data: its blocks, what they held, and what preceded it.</summary>
    public IReadOnlyList<SoakMismatch> Mismatches { get; init; } = [];
    public int GuestIoErrors { get; init; }
    public int GuestRecoveries { get; init; }
    public int RecoveryFailures { get; init; }
    public IReadOnlyDictionary<string, int> Epochs { get; init; } = new Dictionary<string, int>();

    public long Requests { get; init; }
    public long RequestErrors { get; init; }

    /// <summary>Requests completed without their status byte (the guest reads whatever the byte held).</summary>
    public long StatusUnwritten { get; init; }
    public long Invalidations { get; init; }
    public long InvalidationsTimedOut { get; init; }
    public long InvalidationsRefused { get; init; }
    public long Fences { get; init; }
    public long Unfences { get; init; }
    public long RefusedAccesses { get; init; }
    public long Violations { get; init; }
    public long StragglersIssued { get; init; }
    public long StragglersRefused { get; init; }

    public int MemorySamples { get; init; }
    public long PeakVmRssKb { get; init; }
    public double VmRssFirstQuarterKb { get; init; }
    public double VmRssLastQuarterKb { get; init; }
    public double RssAnonFirstQuarterKb { get; init; }
    public double RssAnonLastQuarterKb { get; init; }

    /// <summary>The bridge's private memory (RssAnon) grew from the first quarter of the soak to the last.</summary>
    public bool MemoryGrew => RssAnonLastQuarterKb > RssAnonFirstQuarterKb * GrowthLimitRatio && RssAnonLastQuarterKb - RssAnonFirstQuarterKb > GrowthLimitKb;

    [JsonIgnore]
    public IReadOnlyList<string> Failures
    {
        get
        {
            var f = new List<string>();
            if (Violations != 0)
            {
                f.Add($"{Violations} use-after-free violations");
            }

            if (DataMismatches != 0)
            {
                f.Add($"{DataMismatches} rounds read back different data");
            }

            if (RecoveryFailures != 0)
            {
                f.Add($"{RecoveryFailures} guest recoveries failed");
            }

            if (RoundsVerified == 0)
            {
                f.Add("the guest verified no round");
            }

            if (MemoryGrew)
            {
                f.Add("the bridge's private memory grew");
            }

            return f;
        }
    }

    [JsonIgnore]
    public bool Passed => Failures.Count == 0;

    public string Render()
    {
        var s = new StringBuilder();
        s.AppendLine("== HilBridge soak ==");
        s.AppendLine($"verdict            {(Passed ? "passed" : "FAILED: " + string.Join("; ", Failures))}");
        s.AppendLine($"duration           {WallSeconds / 60:F1} min wall ({RequestedSeconds / 60:F1} min of guest I/O asked), {GuestRuns} guest run(s): {string.Join(", ", RunOutcomes)}");
        s.AppendLine($"guest kernel       {(GuestKernels.Count == 0 ? "unknown" : string.Join(", ", GuestKernels))}");
        s.AppendLine($"policies           {string.Join(", ", Epochs.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"))} epochs (fence policy, 1 s timeout)");
        s.AppendLine($"guest              {Rounds} rounds, {RoundsVerified} verified, {DataMismatches} data mismatches, {GuestIoErrors} I/O errors, {GuestRecoveries} recoveries ({RecoveryFailures} failed)");
        s.AppendLine($"device             {Requests} virtio-blk requests ({RequestErrors} IOERR, {StatusUnwritten} without a status byte), {RefusedAccesses} refused while fenced");
        s.AppendLine($"invalidations      {Invalidations} ({InvalidationsTimedOut} timed out, {InvalidationsRefused} refused)");
        s.AppendLine($"fencing            {Fences} fences, {Unfences} unfences");
        s.AppendLine($"use-after-free     {Violations} violations ({StragglersIssued} stragglers, {StragglersRefused} refused)");
        foreach (var m in Mismatches)
        {
            s.AppendLine("mismatch           " + m.Describe().Replace(Environment.NewLine, Environment.NewLine + "                   ", StringComparison.Ordinal));
        }

        s.AppendLine($"memory             peak VmRSS {PeakVmRssKb / 1024.0:F0} MiB; VmRSS {VmRssFirstQuarterKb / 1024:F0} -> {VmRssLastQuarterKb / 1024:F0} MiB, RssAnon {RssAnonFirstQuarterKb / 1024:F0} -> {RssAnonLastQuarterKb / 1024:F0} MiB (first -> last quarter of {MemorySamples} samples): {(MemoryGrew ? "GREW" : "no growth")}");
        return s.ToString();
    }
}
