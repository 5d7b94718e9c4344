using HilBridge.Live.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Guest;

/// <summary>Where a run gets its guest (kernel + initramfs) when the user brings no --kernel/--initrd of their own.</summary>
public interface IGuestImageSource
{
    /// <param name="guestArch">The guest's Debian architecture: arm64 (SMMUv3) or amd64 (VT-d; Debian stable's kernel only).</param>
    /// <param name="progress">The scripts' progress lines (a kernel build takes minutes the first time).</param>
    Task<GuestImage> EnsureAsync(GuestKernelSpec kernel, string guestArch, IProgress<string> progress, CancellationToken ct);
}

/// <summary>The guests built (and cached) by the repository's qemu-scripts/guest-kernel.sh (setup.sh for stable).</summary>
public sealed class SetupScriptGuestImageSource(RepositoryLayout layout, ILogger<SetupScriptGuestImageSource> logger) : IGuestImageSource
{
    public Task<GuestImage> EnsureAsync(GuestKernelSpec kernel, string guestArch, IProgress<string> progress, CancellationToken ct) =>
        GuestImageProvider.EnsureAsync(layout.FindScriptsDirectory(), kernel, line =>
        {
            logger.LogInformation("guest: {Line}", line);
            progress.Report(line);
        }, ct, guestArch);
}
