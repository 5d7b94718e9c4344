using HilBridge.Live.Device;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;

namespace HilBridge.Live.Run;

/// <summary>
/// What the user asks of one live run: the guest, QEMU, the bridge, limits and where results go. Bound
/// from the "Run" configuration section (`hilbridge run`) or filled in by a caller; validated by
/// <see cref="LiveRunOptionsValidator"/>. A run never writes to it: <see cref="LiveRunPlanner"/> derives
/// the resolved <see cref="LiveRunPlan"/>.
/// </summary>
public sealed class LiveRunOptions
{
    public const string Section = "Run";

    public QemuOptions Qemu { get; set; } = new();
    public BridgeOptions Bridge { get; set; } = new();

    /// <summary>The run's output folder (console log, summary.json, disk image).</summary>
    public string OutputDirectory { get; set; } = "out/run";

    /// <summary>Fault policy, workload, time limit and expected verdict.</summary>
    public Scenario Scenario { get; set; } = Scenario.Default(rounds: 2, blocks: 256);

    /// <summary>
    /// The guest kernel by name (<see cref="Guest.GuestKernelSpec"/>: stable, unstable, build[@VERSION][:PATCH_DIR]
    /// or the path of an Image); null: the scenario's `guestKernel:`, else stable. `--guest-kernel`,
    /// HILBRIDGE_RUN__GUESTKERNEL.
    /// </summary>
    public string? GuestKernel { get; set; }

    /// <summary>User-supplied kernel/initramfs (both or neither; not with <see cref="GuestKernel"/>); they replace the named guests.</summary>
    public string? Kernel { get; set; }
    public string? Initrd { get; set; }

    /// <summary>The IOMMU (smmuv3, vtd); null: the scenario's `iommu:`, else SMMUv3. `--iommu`, HILBRIDGE_RUN__IOMMU.</summary>
    public IommuKind? Iommu { get; set; }

    /// <summary>Tap QEMU's trace for the guest's IOMMU commands (counts, the context invalidations that unfence, the vCPU stall).</summary>
    public bool TapSmmuTrace { get; set; } = true;

    /// <summary>Trace file (relative to <see cref="OutputDirectory"/> unless rooted) for `hilbridge replay`; null = no recording.</summary>
    public string? RecordPath { get; set; } = "trace.hbt";

    /// <summary>The trace's full path, or null when the run records none (an empty <see cref="RecordPath"/> too: --no-record).</summary>
    public string? TracePath => RecordPath is { Length: > 0 } record ? Path.Combine(OutputDirectory, record) : null;

    /// <summary>Started with the bridge and stopped before the summary (the gRPC control server, scenario control actions).</summary>
    public List<ILiveRunExtension> Extensions { get; } = [];
}
