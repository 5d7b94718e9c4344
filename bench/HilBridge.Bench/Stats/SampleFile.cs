using System.Globalization;

namespace HilBridge.Bench;

/// <summary>Raw samples on disk: one integer per line (what both harnesses write).</summary>
public static class SampleFile
{
    public static void Write(string path, ReadOnlySpan<long> samples)
    {
        using var w = new StreamWriter(path);
        foreach (var s in samples)
        {
            w.WriteLine(s.ToString(CultureInfo.InvariantCulture));
        }
    }

    public static long[] Read(string path)
    {
        var list = new List<long>();
        foreach (var line in File.ReadLines(path))
        {
            if (long.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                list.Add(v);
            }
        }
        return list.ToArray();
    }
}
