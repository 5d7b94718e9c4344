using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;

namespace HilBridge.Live.Run;

/// <summary>
/// One live run, fully resolved before it starts (<see cref="LiveRunPlanner"/>): the guest image, the QEMU
/// binary and settings, the bridge's settings and where everything goes. Built once from the user's
/// <see cref="LiveRunOptions"/> and the scenario; the run reads it and changes nothing.
/// </summary>
public sealed record LiveRunPlan
{
    public required Scenario Scenario { get; init; }

    public required GuestImage Guest { get; init; }

    /// <summary>The QEMU binary to launch: the user's, the scenario's, the patched build, or qemu-system-aarch64 from PATH.</summary>
    public required string QemuBinary { get; init; }

    /// <summary>QEMU's settings with the guest's kernel, initramfs and workload and, for guest-visible ATS, its UEFI boot.</summary>
    public required QemuOptions Qemu { get; init; }

    /// <summary>The bridge's settings with the scenario's engine and the disk image inside the output folder unless rooted.</summary>
    public required BridgeOptions Bridge { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary>Where the trace is recorded; null: no recording.</summary>
    public string? TracePath { get; init; }

    public bool TapSmmuTrace { get; init; }

    /// <summary>Parent of the run's private socket directory.</summary>
    public required string RuntimeRoot { get; init; }

    public IReadOnlyList<ILiveRunExtension> Extensions { get; init; } = [];
}
