using HilBridge.Live.Qemu;
using HilBridge.Scenarios;

namespace HilBridge.Live.AtsPort;

/// <summary>Chooses QEMU and its ATS settings for a scenario with guest-visible ATS.</summary>
public static class GuestVisibleAtsSetup
{
    /// <summary>
    /// The patched binary: the scenario's qemu.binary, else the user's (<paramref name="userBinary"/>, null
    /// when they named none), else build-qemu.sh's cached build.
    /// </summary>
    public static async Task<string> ChooseBinaryAsync(Scenario scenario, IommuKind iommu, string? userBinary, IPatchedQemuSource patched, IProgress<string> progress, CancellationToken ct)
    {
        if (scenario.QemuBinary is { } binary)
        {
            return binary;
        }

        if (userBinary is not null)
        {
            return userBinary;
        }

        progress.Report("preparing the patched QEMU (qemu-scripts/build-qemu.sh; about 5 minutes the first time)");
        return await patched.EnsureAsync(iommu, ct);
    }

    /// <summary>
    /// The firmware (SMMUv3: UEFI for the ACPI boot; VT-d: qboot, as on stock QEMU) and the IOMMU's
    /// timeout: the scenario's qemu.atsTimeout, else the engine's (the IOMMU and the engine then give up together).
    /// </summary>
    public static GuestVisibleAtsOptions Options(Scenario scenario, IommuProfile profile)
    {
        var options = new GuestVisibleAtsOptions
        {
            Firmware = scenario.Firmware ?? profile.GuestVisibleAtsFirmware,
            AtcInvalidationTimeout = scenario.SmmuAtcTimeout ?? scenario.Engine.InvalidationTimeout,
        };
        if (!File.Exists(options.Firmware))
        {
            throw new PatchedQemuException($"firmware {options.Firmware} not found (apt-get install {profile.GuestVisibleAtsFirmwarePackage}, or run qemu-scripts/build-qemu.sh)");
        }

        return options;
    }
}
