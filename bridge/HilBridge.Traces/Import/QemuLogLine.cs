using System.Globalization;

namespace HilBridge.Traces.Import;

/// <summary>
/// The "pid@sec.usec:" prefix QEMU's log trace backend puts before each event when timestamps are on
/// (`-msg timestamp=on`), e.g. "30146@1795523990.925300:smmuv3_s1_range_inval vmid=0 ...".
/// </summary>
public static class QemuLogLine
{
    public static bool TryParseTimestamp(ReadOnlySpan<char> line, out DateTimeOffset at)
    {
        at = default;
        int atSign = line.IndexOf('@');
        int colon = line.IndexOf(':');
        if (atSign <= 0 || colon < atSign + 2 || !IsDigits(line[..atSign]))
        {
            return false;
        }

        var stamp = line[(atSign + 1)..colon];
        int dot = stamp.IndexOf('.');
        var secText = dot < 0 ? stamp : stamp[..dot];
        var fracText = dot < 0 ? ReadOnlySpan<char>.Empty : stamp[(dot + 1)..];
        if (!long.TryParse(secText, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || !IsDigits(fracText) && fracText.Length > 0
            || fracText.Length > 9 || seconds > 253_402_300_799L)
        {
            return false;
        }

        long ticks = 0;
        for (int i = 0; i < 7; i++)
        {
            ticks = ticks * 10 + (i < fracText.Length ? fracText[i] - '0' : 0);
        }

        at = DateTimeOffset.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + ticks);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
