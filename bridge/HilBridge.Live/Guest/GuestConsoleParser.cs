namespace HilBridge.Live.Guest;

/// <summary>
/// Parses the workload's console protocol (qemu-scripts/README.md): lines "HB: kind k=v k=v".
/// Anything else on the console (kernel messages) is not a report.
/// </summary>
public static class GuestConsoleParser
{
    private const string Prefix = "HB: ";

    public static bool TryParse(string line, TimeSpan receivedAfterLaunch, out GuestReport report)
    {
        report = null!;
        var start = line.IndexOf(Prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var words = line[(start + Prefix.Length)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0].Contains('='))
        {
            return false;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words.Skip(1))
        {
            var eq = word.IndexOf('=');
            if (eq > 0)
            {
                fields[word[..eq]] = word[(eq + 1)..];
            }
        }
        report = new GuestReport(words[0], fields, receivedAfterLaunch);
        return true;
    }
}
