namespace HilBridge.Scenarios;

/// <summary>
/// A scenario as written in YAML (scenarios/*.yaml): engine settings, fault rules, the guest workload
/// and the expected verdict. <see cref="ScenarioLoader"/> validates it and turns it into a <see cref="Scenario"/>.
/// </summary>
public sealed class ScenarioFile
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public EngineSection Engine { get; set; } = new();
    public List<RuleSection> Rules { get; set; } = [];
    public WorkloadSection Workload { get; set; } = new();

    /// <summary>Seconds the guest has to report its result.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>
    /// true: guest-visible ATS on the patched QEMU (the guest's own CMD_ATC_INV reach the bridge over the
    /// SMMU's ATS port); engine.timeout is then the SMMU's hardware timeout and fencePolicy defaults to hope.
    /// </summary>
    public bool GuestVisibleAts { get; set; }

    public QemuSection Qemu { get; set; } = new();

    /// <summary>The guest kernel this scenario needs (stable, unstable, build[@VERSION][:PATCH_DIR], a path); the user's --guest-kernel wins.</summary>
    public string? GuestKernel { get; set; }

    /// <summary>smmuv3 (aarch64 virt, the default) or vtd (x86_64 q35 with intel-iommu); the user's --iommu wins.</summary>
    public string? Iommu { get; set; }

    public sealed class QemuSection
    {
        /// <summary>A qemu-system-aarch64 with qemu-scripts/patches applied (default: build-qemu.sh builds one).</summary>
        public string? Binary { get; set; }

        /// <summary>UEFI firmware for guest-visible ATS (default /usr/share/qemu-efi-aarch64/QEMU_EFI.fd).</summary>
        public string? Firmware { get; set; }

        /// <summary>
        /// The SMMU's hardware ATC invalidation timeout ("1500ms", "0" = none); default engine.timeout.
        /// engine.timeout stays when the guest moves on (Linux: its 1 s CMD_SYNC poll), the UAF reference.
        /// </summary>
        public string? AtsTimeout { get; set; }
    }

    /// <summary>metric -> condition, e.g. violations: "== 0", fences: ">= 1", dataVerified: true.</summary>
    public Dictionary<string, string> Expect { get; set; } = [];

    /// <summary>Mid-run actions through the gRPC control plane, e.g. a new policy after the guest's first round.</summary>
    public List<ControlSection> Control { get; set; } = [];

    public sealed class ControlSection
    {
        public string? Name { get; set; }

        /// <summary>The guest report that fires it: "round 1", "start", "ioerror 2".</summary>
        public string? When { get; set; }

        /// <summary>Extra wait after the report, as a duration ("200ms").</summary>
        public string? Delay { get; set; }

        // Exactly one of the three:
        /// <summary>The new fault policy, as in `rules:` ([] = no faults).</summary>
        public List<RuleSection>? SetPolicy { get; set; }

        /// <summary>Fence now, with this reason.</summary>
        public string? Fence { get; set; }

        /// <summary>Unfence now, with this reason.</summary>
        public string? Unfence { get; set; }
    }

    public sealed class EngineSection
    {
        /// <summary>A duration ("1s", "100ms") or a preset: arm-smmu-v3 (1 s), amd-vi (100 ms), pcie (60 s).</summary>
        public string? Timeout { get; set; }

        /// <summary>hope (today's kernels) or fence.</summary>
        public string? FencePolicy { get; set; }

        /// <summary>block-translated (STE.EATS=0) or abort.</summary>
        public string? FenceMode { get; set; }

        public ulong? Seed { get; set; }
    }

    public sealed class RuleSection
    {
        public string? Name { get; set; }
        public uint? StreamId { get; set; }
        public string? IovaStart { get; set; }
        public string? IovaSize { get; set; }
        public string? From { get; set; }
        public string? Until { get; set; }
        public int? EveryNth { get; set; }
        public double? Probability { get; set; }
        public int? Limit { get; set; }

        /// <summary>complete, drop or refuse.</summary>
        public string? Outcome { get; set; }

        /// <summary>A distribution: "none", "fixed 20ms", "uniform 1ms 5ms", "exponential 2ms", "lognormal MU SIGMA" (seconds).</summary>
        public string? Delay { get; set; }

        public StragglerSection? Stragglers { get; set; }
    }

    public sealed class StragglerSection
    {
        public int Count { get; set; } = 1;

        /// <summary>When after the invalidation arrives, as a distribution ("fixed 1.3s").</summary>
        public string? After { get; set; }

        /// <summary>read or write.</summary>
        public string? Kind { get; set; }

        public ulong Bytes { get; set; } = 64;

        /// <summary>payload (data buffers the device moved data through in this direction) or any (every captured translation, rings included).</summary>
        public string? Target { get; set; }
    }

    public sealed class WorkloadSection
    {
        /// <summary>verify, or recovery (remove and rescan the PCI device after an I/O error).</summary>
        public string? Mode { get; set; }
        public int? Rounds { get; set; }
        public int? Blocks { get; set; }
        public double? Pause { get; set; }

        /// <summary>Seconds the guest keeps its read-back data in the page cache before checking it again for corruption (0 = no witness).</summary>
        public double? Witness { get; set; }

        /// <summary>Reset the disk's PCI function through sysfs between rounds (a recovery by reset; the next round verifies data after it).</summary>
        public bool? Reset { get; set; }
    }
}
