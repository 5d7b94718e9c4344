using HilBridge.Live.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.AtsPort;

/// <summary>Where a guest-visible ATS run gets the patched QEMU when neither the scenario nor the user names one.</summary>
public interface IPatchedQemuSource
{
    Task<string> EnsureAsync(CancellationToken ct);
}

/// <summary>The patched QEMU built (and cached) by the repository's qemu-scripts/build-qemu.sh.</summary>
public sealed class BuildScriptPatchedQemuSource(RepositoryLayout layout, ILogger<BuildScriptPatchedQemuSource> logger) : IPatchedQemuSource
{
    public Task<string> EnsureAsync(CancellationToken ct) =>
        PatchedQemuProvider.EnsureAsync(layout.FindScriptsDirectory(), line => logger.LogInformation("build-qemu: {Line}", line), ct);
}
