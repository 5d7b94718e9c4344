using HilBridge.Scenarios;

namespace HilBridge.Live.Qemu;

/// <summary>
/// How the bridge launches QEMU for a live run. Defaults follow the lab notes (QEMU 7.2, TCG). Immutable:
/// a run derives its own copy (<c>with</c>) in its plan.
/// </summary>
public sealed record QemuOptions
{
    /// <summary>QEMU from PATH for the default IOMMU (SMMUv3) when the user names none; see <see cref="IommuProfile.DefaultBinary"/>.</summary>
    public const string DefaultBinary = SmmuV3Profile.Binary;

    /// <summary>The user's QEMU binary; null: not set, so the run picks one (the IOMMU's from PATH, or the patched build for guest-visible ATS).</summary>
    public string? Binary { get; init; }

    /// <summary>The IOMMU in front of the device (set by the run's plan from --iommu or the scenario's iommu:).</summary>
    public IommuKind Iommu { get; init; }

    /// <summary>What QEMU's command line, the guest and the trace tap look like for <see cref="Iommu"/>.</summary>
    public IommuProfile Profile => IommuProfile.For(Iommu);

    public string Kernel { get; init; } = "";

    public string Initrd { get; init; } = "";

    /// <summary>Guest RAM in MiB; shared memfd so the bridge can map it.</summary>
    public int MemoryMiB { get; init; } = 1024;

    /// <summary>vCPUs; null: the IOMMU's (<see cref="IommuProfile.DefaultCpus"/>).</summary>
    public int? Cpus { get; init; }

    /// <summary>Kernel command line; null: the IOMMU's (<see cref="IommuProfile.DefaultKernelCommandLine"/>, with iommu.strict=1).</summary>
    public string? KernelCommandLine { get; init; }

    /// <summary>Extra parameters for the guest workload (hb.mode=..., hb.rounds=...).</summary>
    public string WorkloadArguments { get; init; } = "";

    public int QueueCount { get; init; } = 1;

    /// <summary>vhost-user-blk-pci iommu_platform=on: every device address becomes an IOVA.</summary>
    public bool IommuPlatform { get; init; } = true;

    /// <summary>
    /// Seconds after which QEMU reconnects to a bridge it lost (<c>-chardev socket,...,reconnect=N</c>,
    /// on the vhost-user socket and, with guest-visible ATS, on the ATS port's): the guest's requests
    /// stall meanwhile and resume on the new connection. Null: QEMU never reconnects and the device
    /// stays dead once the bridge goes away.
    /// </summary>
    public int? VhostReconnectSeconds { get; init; }

    /// <summary>
    /// Guest-visible ATS through the patched QEMU (qemu-scripts/build-qemu.sh, set <see cref="Binary"/> to
    /// it): the guest's own SMMUv3 driver enables ATS and issues CMD_ATC_INV, which reach the bridge over
    /// the SMMU's ATS port. Null: stock QEMU, whose SMMUv3 has no ATS.
    /// </summary>
    public GuestVisibleAtsOptions? GuestVisibleAts { get; init; }

    /// <summary>Trace events tapped live for the guest's IOMMU commands; null: the IOMMU's (<see cref="IommuProfile.TraceEvents"/>).</summary>
    public IReadOnlyList<string>? TraceEvents { get; init; }
}

/// <summary>
/// The patched QEMU's ATS settings. Debian's 6.1 kernel takes "root complex supports ATS" only from
/// ACPI (IORT), so the guest boots through UEFI (<see cref="Firmware"/>, still with -kernel/-initrd)
/// with acpi=force.
/// </summary>
public sealed record GuestVisibleAtsOptions
{
    public const string DefaultFirmware = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";

    /// <summary>UEFI firmware for -bios (Debian's qemu-efi-aarch64).</summary>
    public string Firmware { get; init; } = DefaultFirmware;

    /// <summary>The SMMU's hardware ATC invalidation timeout (arm-smmuv3.ats-timeout-ms); zero: none.</summary>
    public TimeSpan AtcInvalidationTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
