using System.Globalization;

namespace HilBridge.Bench;

/// <summary>
/// How much CPU other programs used while a block was measured: the machine's busy time (/proc/stat)
/// minus that of the processes taking part (/proc/PID/stat), in CPUs. The load average cannot say this
/// during a run, since the benchmark's own processes count in it.
/// </summary>
public static class CpuAccount
{
    /// <summary>Clock ticks per second of /proc's counters (USER_HZ; 100 on every Linux architecture we run on).</summary>
    private const double TicksPerSecond = 100;

    public readonly record struct Snapshot(long BusyTicks, long StealTicks, long OwnTicks, long TimestampTicks);

    /// <summary>Reads the counters now; <paramref name="pids"/> are the processes whose CPU time is ours.</summary>
    public static Snapshot Take(IEnumerable<int> pids) =>
        new(MachineBusy(out var steal), steal, pids.Sum(ProcessTicks), System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>Other programs' CPU use between two snapshots, in CPUs (0.5: half a core busy on average), and the hypervisor's steal.</summary>
    public static (double ForeignCpus, double StealCpus) Between(Snapshot start, Snapshot end)
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start.TimestampTicks, end.TimestampTicks).TotalSeconds;
        if (seconds <= 0)
        {
            return (0, 0);
        }

        var foreign = Math.Max(0, (end.BusyTicks - start.BusyTicks) - (end.OwnTicks - start.OwnTicks));
        return (foreign / TicksPerSecond / seconds, (end.StealTicks - start.StealTicks) / TicksPerSecond / seconds);
    }

    /// <summary>user+nice+system+irq+softirq of all CPUs (not idle, iowait or steal).</summary>
    private static long MachineBusy(out long steal)
    {
        steal = 0;
        var line = File.Exists("/proc/stat") ? File.ReadLines("/proc/stat").FirstOrDefault() : null;
        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return 0;
        }

        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        steal = f.Length > 7 ? f[7] : 0;
        return f[0] + f[1] + f[2] + (f.Length > 6 ? f[5] + f[6] : 0);
    }

    /// <summary>utime+stime of a process (all its threads); 0 once it is gone.</summary>
    private static long ProcessTicks(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
