using System.Text;

namespace HilBridge.Live.Qemu;

/// <summary>
/// Splits a byte stream into lines without letting the writer decide how much we buffer: the serial
/// console is the guest's to write, and a guest that never prints a newline must not grow a string
/// without bound. A line longer than the limit is delivered cut, marked, and the rest of it skipped.
/// </summary>
public static class BoundedLineReader
{
    public const int DefaultMaxLineBytes = 4096;

    public const string CutMarker = " [line cut]";

    /// <summary>Reads <paramref name="stream"/> to its end, calling <paramref name="onLine"/> for each line (no trailing CR/LF).</summary>
    public static async Task PumpAsync(Stream stream, Action<string> onLine, int maxLineBytes = DefaultMaxLineBytes, CancellationToken ct = default)
    {
        var chunk = new byte[4096];
        var line = new byte[maxLineBytes];
        var length = 0;
        var skipping = false;
        while (true)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }

            foreach (var b in chunk.AsSpan(0, n))
            {
                if (b == (byte)'\n')
                {
                    if (!skipping)
                    {
                        onLine(Decode(line, length, cut: false));
                    }

                    length = 0;
                    skipping = false;
                }
                else if (!skipping)
                {
                    if (length == line.Length)
                    {
                        onLine(Decode(line, length, cut: true));
                        skipping = true;
                        length = 0;
                    }
                    else
                    {
                        line[length++] = b;
                    }
                }
            }
        }
        if (length > 0 && !skipping)
        {
            onLine(Decode(line, length, cut: false));
        }
    }

    private static string Decode(byte[] line, int length, bool cut)
    {
        if (length > 0 && line[length - 1] == (byte)'\r')
        {
            length--;
        }

        var text = Encoding.UTF8.GetString(line, 0, length);
        return cut ? text + CutMarker : text;
    }
}
