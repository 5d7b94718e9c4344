using System.Diagnostics;
using HilBridge.Scenarios;

namespace HilBridge.Live.AtsPort;

/// <summary>
/// Gets the patched QEMU by running qemu-scripts/build-qemu.sh: qemu-system-aarch64 (SMMUv3 with ATS and
/// the ATS port) or qemu-system-x86_64 (intel-iommu with the ATS port and its Invalidation Time-out
/// Error). Cached, so this costs well under a second after the first build (about 5 minutes on 2 cores
/// each). Its last stdout line names the binary.
/// </summary>
public static class PatchedQemuProvider
{
    private const string Marker = "HILBRIDGE_QEMU=";

    public static Task<string> EnsureAsync(string scriptsDirectory, Action<string> progress, CancellationToken ct) =>
        EnsureAsync(scriptsDirectory, IommuKind.SmmuV3, progress, ct);

    public static async Task<string> EnsureAsync(string scriptsDirectory, IommuKind iommu, Action<string> progress, CancellationToken ct)
    {
        var script = Path.Combine(scriptsDirectory, "build-qemu.sh");
        if (!File.Exists(script))
        {
            throw new PatchedQemuException($"{script} not found");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(iommu == IommuKind.Vtd ? "x86_64" : "aarch64");
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
