using HilBridge.Host.Hosting;
using HilBridge.Host.Qemu;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;

namespace HilBridge.Host.AtsPort;

/// <summary>Prepares QEMU's options for a scenario with guest-visible ATS.</summary>
public static class GuestVisibleAtsSetup
{
    /// <summary>
    /// Picks the patched binary (the scenario's qemu.binary, else a --qemu other than the default,
    /// else build-qemu.sh's cached build) and sets the UEFI/ACPI boot and the SMMU's timeout: the
    /// scenario's qemu.atsTimeout, else the engine's (the SMMU and the engine then give up together).
    /// </summary>
    public static async Task PrepareAsync(QemuOptions qemu, Scenario scenario, IProgress<string> progress, ILogger logger, CancellationToken ct)
    {
        if (scenario.QemuBinary is { } binary)
        {
            qemu.Binary = binary;
        }
        else if (qemu.Binary == new QemuOptions().Binary)
        {
            progress.Report("preparing the patched QEMU (qemu-scripts/build-qemu.sh; about 5 minutes the first time)");
            qemu.Binary = await PatchedQemuProvider.EnsureAsync(RepositoryLayout.FindScriptsDirectory(),
                line => logger.LogInformation("build-qemu: {Line}", line), ct);
        }
        qemu.GuestVisibleAts = new GuestVisibleAtsOptions
        {
            Firmware = scenario.Firmware ?? GuestVisibleAtsOptions.DefaultFirmware,
            AtcInvalidationTimeout = scenario.SmmuAtcTimeout ?? scenario.Engine.InvalidationTimeout,
        };
        if (!File.Exists(qemu.GuestVisibleAts.Firmware))
            throw new PatchedQemuException($"UEFI firmware {qemu.GuestVisibleAts.Firmware} not found (apt-get install qemu-efi-aarch64, or run qemu-scripts/build-qemu.sh)");
    }
}
