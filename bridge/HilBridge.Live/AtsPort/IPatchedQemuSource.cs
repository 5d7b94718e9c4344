using HilBridge.Live.Hosting;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.AtsPort;

/// <summary>Where a guest-visible ATS run gets the patched QEMU when neither the scenario nor the user names one.</summary>
public interface IPatchedQemuSource
{
    /// <summary>The patched QEMU for <paramref name="iommu"/>: qemu-system-aarch64 (SMMUv3) or qemu-system-x86_64 (VT-d).</summary>
    Task<string> EnsureAsync(IommuKind iommu, CancellationToken ct);
}

/// <summary>The patched QEMU built (and cached) by the repository's qemu-scripts/build-qemu.sh.</summary>
public sealed class BuildScriptPatchedQemuSource(RepositoryLayout layout, ILogger<BuildScriptPatchedQemuSource> logger) : IPatchedQemuSource
{
    public Task<string> EnsureAsync(IommuKind iommu, CancellationToken ct) =>
        PatchedQemuProvider.EnsureAsync(layout.FindScriptsDirectory(), iommu, line => logger.LogInformation("build-qemu: {Line}", line), ct);
}
