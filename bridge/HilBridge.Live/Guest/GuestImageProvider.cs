using System.Diagnostics;

namespace HilBridge.Live.Guest;

/// <summary>
/// Gets a guest by running qemu-scripts/guest-kernel.sh KERNEL (for `stable`, setup.sh's guest):
/// idempotent and cached, so this is cheap after the first time; its last line names the guest directory.
/// </summary>
public static class GuestImageProvider
{
    private const string Marker = "HILBRIDGE_GUEST_DIR=";

    /// <summary>The SMMUv3 guest's architecture.</summary>
    public const string DefaultArch = "arm64";

    /// <summary>Debian stable's guest (setup.sh).</summary>
    public static Task<GuestImage> EnsureAsync(string scriptsDirectory, Action<string> progress, CancellationToken ct, string guestArch = DefaultArch) =>
        EnsureAsync(scriptsDirectory, GuestKernelSpec.Default, progress, ct, guestArch);

    /// <param name="guestArch">arm64 (the default) or amd64: setup.sh's HILBRIDGE_GUEST_ARCH, cached apart.</param>
    public static async Task<GuestImage> EnsureAsync(string scriptsDirectory, GuestKernelSpec kernel, Action<string> progress, CancellationToken ct, string guestArch = DefaultArch)
    {
        if (guestArch != DefaultArch && kernel.Kind != GuestKernelSpec.Stable)
        {
            throw new GuestImageException($"the {guestArch} guest comes with Debian stable's kernel only (not {kernel}); bring your own with --kernel/--initrd");
        }

        var script = Path.Combine(scriptsDirectory, "guest-kernel.sh");
        if (!File.Exists(script))
        {
            throw new GuestImageException($"{script} not found");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(kernel.Value);
        info.Environment["HILBRIDGE_GUEST_ARCH"] = guestArch;
        using var process = Process.Start(info) ?? throw new GuestImageException("cannot run bash");
        string? guestDir = null;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { progress(e.Data); } };
        process.BeginErrorReadLine();
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                guestDir = line[Marker.Length..].Trim();
            }
            else
            {
                progress(line);
            }
        }
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 || guestDir is null)
        {
            throw new GuestImageException($"qemu-scripts/guest-kernel.sh {kernel} failed (exit {process.ExitCode}); see its output above");
        }

        return GuestImage.Load(guestDir);
    }
}
