namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>Finds this process's own children by name (from /proc), so a test can kill the QEMU it started and nothing else.</summary>
internal static class ChildProcesses
{
    public static IReadOnlyList<int> Named(string comm)
    {
        var self = Environment.ProcessId;
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                var ppid = int.Parse(stat[(close + 2)..].Split(' ')[1]);
                if (ppid == self && comm.StartsWith(name, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // The process went away while we looked.
            }
        }
        return found;
    }
}
