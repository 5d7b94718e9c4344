using System.Globalization;
using System.Text.RegularExpressions;

namespace HilBridge.Bench.Report;

/// <summary>One pass of the replay benchmark (bench/replay): best throughput, worst peak RSS.</summary>
public sealed record ReplayRow(string Name, double MillionEventsPerSecond, double PeakRssMegabytes, double AllocatedBytesPerEvent);

/// <summary>
/// The figures of bench/replay's output (it prints text): the "best of N" table and its summary lines.
/// Unrecognised output still lands in <see cref="Raw"/>, so a format change loses structure, not data.
/// </summary>
public sealed partial record ReplayResults(IReadOnlyList<ReplayRow> Rows, IReadOnlyList<string> Notes, string Raw)
{
    public double? ReplayMillionEventsPerSecond => Rows.FirstOrDefault(r => r.Name.StartsWith("replay", StringComparison.Ordinal))?.MillionEventsPerSecond;

    public static ReplayResults Parse(string text)
    {
        var rows = new List<ReplayRow>();
        var notes = new List<string>();
        var inTable = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("best of", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }
            if (inTable && Row().Match(line) is { Success: true } m)
            {
                rows.Add(new ReplayRow(m.Groups["name"].Value.Trim(), D(m, "eps"), D(m, "rss"), D(m, "alloc")));
                continue;
            }
            if (inTable && line.Length == 0 && rows.Count > 0)
            {
                inTable = false;
            }

            if (line.StartsWith("replay /", StringComparison.Ordinal) || line.StartsWith("constant memory", StringComparison.Ordinal) ||
                line.StartsWith("recording hot path", StringComparison.Ordinal) || line.StartsWith("target", StringComparison.Ordinal) ||
                line.StartsWith("trace:", StringComparison.Ordinal))
            {
                notes.Add(line);
            }
        }
        return new ReplayResults(rows, notes, text);
    }

    private static double D(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>\S.*?)\s+(?<eps>[0-9.]+) M\s+(?<rss>[0-9.]+) MB\s+(?<alloc>[0-9.]+) B$")]
    private static partial Regex Row();
}
