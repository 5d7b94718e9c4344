using HilBridge.Live.AtsPort;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Live.Run;

/// <summary>
/// Turns what the user asked for (<see cref="LiveRunOptions"/>) into a <see cref="LiveRunPlan"/>: resolves
/// the guest (theirs, or a named kernel's from guest-kernel.sh) and QEMU (theirs, the scenario's, or the patched build for
/// guest-visible ATS). The options are read, never written.
/// </summary>
public sealed class LiveRunPlanner(IGuestImageSource guests, IPatchedQemuSource patchedQemu, RepositoryLayout layout)
{
    /// <summary>A planner on the repository's scripts, for callers without a container (tests, tools).</summary>
    public static LiveRunPlanner ForRepository(HostPathsOptions? paths = null, ILoggerFactory? loggers = null)
    {
        var layout = new RepositoryLayout(paths ?? new HostPathsOptions());
        loggers ??= NullLoggerFactory.Instance;
        return new LiveRunPlanner(new SetupScriptGuestImageSource(layout, loggers.CreateLogger<SetupScriptGuestImageSource>()),
            new BuildScriptPatchedQemuSource(layout, loggers.CreateLogger<BuildScriptPatchedQemuSource>()), layout);
    }

    public async Task<LiveRunPlan> BuildAsync(LiveRunOptions options, IProgress<string> progress, CancellationToken ct)
    {
        var scenario = options.Scenario;
        var profile = IommuProfile.For(options.Iommu ?? scenario.Iommu);
        var guest = await ResolveGuestAsync(options, profile, progress, ct);
        var binary = options.Qemu.Binary ?? profile.DefaultBinary;
        GuestVisibleAtsOptions? ats = null;
        if (scenario.GuestVisibleAts)
        {
            binary = await GuestVisibleAtsSetup.ChooseBinaryAsync(scenario, profile.Kind, options.Qemu.Binary, patchedQemu, progress, ct);
            ats = GuestVisibleAtsSetup.Options(scenario, profile);
        }
        var disk = options.Bridge.DiskImage;
        return new LiveRunPlan
        {
            Scenario = scenario,
            Guest = guest,
            QemuBinary = binary,
            Qemu = options.Qemu with
            {
                Binary = binary,
                Iommu = profile.Kind,
                Kernel = guest.Kernel,
                Initrd = guest.Initrd,
                WorkloadArguments = scenario.WorkloadArguments,
                GuestVisibleAts = ats ?? options.Qemu.GuestVisibleAts,
            },
            Bridge = options.Bridge with
            {
                Engine = scenario.Engine,
                DiskImage = Path.IsPathRooted(disk) ? disk : Path.Combine(options.OutputDirectory, disk),
            },
            OutputDirectory = options.OutputDirectory,
            TracePath = options.TracePath,
            TapSmmuTrace = options.TapSmmuTrace,
            RuntimeRoot = layout.RuntimeRoot,
            Extensions = options.Extensions.ToArray(),
        };
    }

    private async Task<GuestImage> ResolveGuestAsync(LiveRunOptions options, IommuProfile profile, IProgress<string> progress, CancellationToken ct)
    {
        if (options.Kernel is not null && options.Initrd is not null)
        {
            return new GuestImage(options.Kernel, options.Initrd, new Dictionary<string, string> { ["KERNEL_VERSION"] = "custom", ["KERNEL_SOURCE"] = "custom" });
        }

        var kernel = ChooseKernel(options);
        progress.Report($"preparing the guest image, kernel {kernel}{(profile.GuestArch == GuestImageProvider.DefaultArch ? "" : " " + profile.GuestArch)} (qemu-scripts/guest-kernel.sh)");
        return await guests.EnsureAsync(kernel, profile.GuestArch, progress, ct);
    }

    /// <summary>The user's --guest-kernel, else the scenario's guestKernel:, else Debian stable's.</summary>
    public static GuestKernelSpec ChooseKernel(LiveRunOptions options)
    {
        var scenario = options.Scenario;
        var text = options.GuestKernel ?? scenario.GuestKernel;
        if (text is null)
        {
            return GuestKernelSpec.Default;
        }

        // A scenario's relative patch directory or Image counts from the scenario file.
        var baseDirectory = options.GuestKernel is null && scenario.SourcePath is { } source ? Path.GetDirectoryName(Path.GetFullPath(source)) : null;
        return GuestKernelSpec.TryParse(text, out var spec, out var error, baseDirectory)
            ? spec
            : throw new GuestImageException(options.GuestKernel is null ? $"{scenario.SourcePath}: guestKernel: {error}" : error!);
    }
}
