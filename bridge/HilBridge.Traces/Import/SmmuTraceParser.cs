namespace HilBridge.Traces.Import;

/// <summary>
/// Parses QEMU trace lines by event name, tolerant of the optional "pid@sec.usec:" prefix, of
/// "key= value" and "key=value" spellings, and of events it does not know (newer QEMU renames some).
/// </summary>
public static class SmmuTraceParser
{
    public static bool TryParse(string line, out SmmuTraceEvent traceEvent) => TryParse(line, "smmu", out traceEvent);

    /// <summary>
    /// The same for another device's events: <paramref name="eventPrefix"/> starts their names ("vtd_" for
    /// QEMU's intel-iommu). The record keeps its SMMU name: it holds any QEMU log trace event.
    /// </summary>
    public static bool TryParse(string line, string eventPrefix, out SmmuTraceEvent traceEvent)
    {
        traceEvent = null!;
        var text = line.AsSpan().Trim();
        var nameStart = text.IndexOf(eventPrefix, StringComparison.Ordinal);
        if (nameStart < 0)
        {
            return false;
        }

        text = text[nameStart..];
        var space = text.IndexOf(' ');
        var name = (space < 0 ? text : text[..space]).ToString();
        var message = space < 0 ? "" : text[(space + 1)..].ToString();
        traceEvent = new SmmuTraceEvent(name, message, ParseFields(message));
        return true;
    }

    private static Dictionary<string, string> ParseFields(string message)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var words = message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            var eq = words[i].IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var key = words[i][..eq];
            var value = words[i][(eq + 1)..];
            if (value.Length == 0 && i + 1 < words.Length && !words[i + 1].Contains('='))
            {
                value = words[++i];
            }

            fields[key] = value.TrimEnd(',');
        }
        return fields;
    }
}
