using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace HilBridge.Bench.Report;

/// <summary>What the figures were measured on; taken at the start and at the end of a run (load average).</summary>
public sealed record MachineInfo(
    DateTimeOffset TakenAt, string Cpu, int LogicalCpus, double MemoryGiB, string Kernel, string Os, string DotNet,
    string Dpdk, string Qemu, string QemuStorageDaemon, string Gcc, double[] LoadAverage)
{
    public static MachineInfo Collect() => new(
        DateTimeOffset.UtcNow,
        FirstMatch("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        Math.Round(MemTotalKiB() / 1024.0 / 1024.0, 1),
        ReadTrimmed("/proc/sys/kernel/osrelease"),
        OsName(),
        RuntimeInformation.FrameworkDescription,
        Command("dpkg-query", "-W", "-f=${Version}", "dpdk-dev"),
        FirstLine(Command("qemu-system-aarch64", "--version")),
        FirstLine(Command("qemu-storage-daemon", "--version")),
        FirstLine(Command("gcc", "--version")),
        ReadLoadAverage());

    public static double[] ReadLoadAverage()
    {
        var parts = ReadTrimmed("/proc/loadavg").Split(' ');
        return parts.Take(3).Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
    }

    private static string? FirstMatch(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }

    private static long MemTotalKiB()
    {
        var v = FirstMatch("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return long.TryParse(v, out var kib) ? kib : 0;
    }

    private static string OsName()
    {
        const string key = "PRETTY_NAME=";
        var line = File.Exists("/etc/os-release") ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) : null;
        return line?[key.Length..].Trim('"', ' ') ?? "";
    }

    private static string ReadTrimmed(string file) => File.Exists(file) ? File.ReadAllText(file).Trim() : "";

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static string Command(string file, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            using var p = Process.Start(info)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 ? output.Trim() : "not installed";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
