using System.Diagnostics;

namespace HilBridge.Live.AtsPort;

/// <summary>
/// Gets the patched qemu-system-aarch64 (SMMUv3 with ATS and the ATS port) by running
/// qemu-scripts/build-qemu.sh: cached, so this costs well under a second after the first build
/// (about 5 minutes on 2 cores). Its last stdout line names the binary.
/// </summary>
public static class PatchedQemuProvider
{
    private const string Marker = "HILBRIDGE_QEMU=";

    public static async Task<string> EnsureAsync(string scriptsDirectory, Action<string> progress, CancellationToken ct)
    {
        var script = Path.Combine(scriptsDirectory, "build-qemu.sh");
        if (!File.Exists(script))
        {
            throw new PatchedQemuException($"{script} not found");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info) ?? throw new PatchedQemuException("cannot run bash");
        string? binary = null;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { progress(e.Data); } };
        process.BeginErrorReadLine();
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                binary = line[Marker.Length..].Trim();
            }
            else
            {
                progress(line);
            }
        }
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 || binary is null || !File.Exists(binary))
        {
            throw new PatchedQemuException($"qemu-scripts/build-qemu.sh failed (exit {process.ExitCode}); see its output above");
        }

        return binary;
    }
}

public sealed class PatchedQemuException(string message) : Exception(message);
