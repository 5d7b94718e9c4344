using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>A validated scenario, ready to run.</summary>
public sealed record Scenario(
    string Name,
    string? Description,
    EngineOptions Engine,
    string WorkloadArguments,
    TimeSpan Timeout,
    IReadOnlyList<Expectation> Expectations,
    string? SourcePath)
{
    /// <summary>Mid-run actions (the scenario file's `control:` section), carried out through the gRPC control plane.</summary>
    public IReadOnlyList<ControlAction> Control { get; init; } = [];

    /// <summary>
    /// `guestVisibleAts: true`: run on the patched QEMU (qemu-scripts/build-qemu.sh) whose SMMUv3 shows
    /// ATS to the guest and forwards its CMD_ATC_INV to the bridge over the ATS port; the guest boots
    /// through UEFI/ACPI. <see cref="EngineOptions.InvalidationTimeout"/> is then also the SMMU's
    /// hardware ATC invalidation timeout.
    /// </summary>
    public bool GuestVisibleAts { get; init; }

    /// <summary>The scenario's `qemu.binary`: a QEMU with the ATS patches instead of build-qemu.sh's.</summary>
    public string? QemuBinary { get; init; }

    /// <summary>The scenario's `qemu.firmware`: UEFI firmware for the ACPI boot (default Debian's QEMU_EFI.fd).</summary>
    public string? Firmware { get; init; }

    /// <summary>
    /// The scenario's `qemu.atsTimeout`: the SMMU's hardware ATC invalidation timeout when it differs from
    /// <see cref="EngineOptions.InvalidationTimeout"/> (when the guest gives up and may reuse the memory).
    /// </summary>
    public TimeSpan? SmmuAtcTimeout { get; init; }

    /// <summary>
    /// The scenario's `guestKernel:` (stable, unstable, build[@VERSION][:PATCH_DIR] or an Image path, relative
    /// to the scenario file): the kernel it needs when the user names none.
    /// </summary>
    public string? GuestKernel { get; init; }

    /// <summary>The scenario's `iommu:` (smmuv3, the default, or vtd): the IOMMU it runs behind unless `--iommu` says otherwise.</summary>
    public IommuKind Iommu { get; init; }

    /// <summary>
    /// The `engine:` keys the file states (the others took their defaults): a what-if replay with this file as
    /// --policy replaces only these, and the recorded values of the rest stay.
    /// </summary>
    public StatedEngineKeys EngineKeysStated { get; init; }

    /// <summary>The scenario of a plain `hilbridge run`: no faults, the guest must verify its data.</summary>
    public static Scenario Default(int rounds, int blocks) => new(
        "default", "no fault injection", new EngineOptions(), $"hb.mode=verify hb.rounds={rounds} hb.blocks={blocks}",
        TimeSpan.FromMinutes(5), [Expectation.Parse("dataVerified", "true")], null);
}
