using HilBridge.Scenarios;
using HilBridge.Traces.Import;

namespace HilBridge.Live.Qemu;

/// <summary>
/// Everything about a live run that depends on which IOMMU sits in front of the device, in one place: the
/// machine and its IOMMU on QEMU's command line, the guest's architecture and console, and the trace events
/// that show the guest's IOMMU commands with how to read them. The bridge, the engine and the verdicts are
/// the same behind both (<see cref="IommuKind"/> says what maps to what).
/// </summary>
public abstract class IommuProfile
{
    public static IommuProfile For(IommuKind kind) => kind == IommuKind.Vtd ? VtdProfile.Instance : SmmuV3Profile.Instance;

    public abstract IommuKind Kind { get; }

    /// <summary>The guest's Debian architecture (qemu-scripts/setup.sh's HILBRIDGE_GUEST_ARCH).</summary>
    public abstract string GuestArch { get; }

    /// <summary>QEMU from PATH when the user names none.</summary>
    public abstract string DefaultBinary { get; }

    /// <summary>vCPUs when the user sets none.</summary>
    public abstract int DefaultCpus { get; }

    /// <summary>The guest kernel's command line before the workload's parameters (when the user sets none).</summary>
    public abstract string DefaultKernelCommandLine { get; }

    /// <summary>What starts the names of this IOMMU's trace events ("smmu", "vtd_").</summary>
    public abstract string TraceEventPrefix { get; }

    /// <summary>The trace events tapped live for the guest's IOMMU commands (QEMU's log trace backend).</summary>
    public abstract IReadOnlyList<string> TraceEvents { get; }

    /// <summary>-M, -cpu, firmware and the IOMMU itself (plus the patched IOMMU's ATS port).</summary>
    public abstract IEnumerable<string> MachineArguments(QemuOptions options, QemuEndpoints endpoints);

    /// <summary>-bios for guest-visible ATS when the scenario names none.</summary>
    public abstract string GuestVisibleAtsFirmware { get; }

    /// <summary>The Debian package that ships <see cref="GuestVisibleAtsFirmware"/>.</summary>
    public abstract string GuestVisibleAtsFirmwarePackage { get; }

    /// <summary>The guest kernel's command line: the user's or <see cref="DefaultKernelCommandLine"/>, plus what the machine needs.</summary>
    public virtual string KernelCommandLine(QemuOptions options) => options.KernelCommandLine ?? DefaultKernelCommandLine;

    /// <summary>What one trace event of this IOMMU says about the guest's commands.</summary>
    public abstract IommuTraceObservation Observe(SmmuTraceEvent traceEvent);
}

/// <summary>
/// One trace event read by an <see cref="IommuProfile"/>: the command it counts as (null: none), the
/// device contexts it invalidates (the fresh attach that may unfence: CFGI_STE, VT-d context-cache), and
/// whether it is a queued command whose processing the guest's vCPU waits for.
/// </summary>
public readonly record struct IommuTraceObservation(string? Command)
{
    /// <summary>The first requester ID whose context (STE, context entry) was invalidated; with <see cref="ContextCount"/>.</summary>
    public uint ContextFirst { get; init; }

    public uint ContextCount { get; init; }

    /// <summary>Every device's context was invalidated (VT-d global or domain-selective context-cache invalidation).</summary>
    public bool AllContexts { get; init; }

    /// <summary>A command the IOMMU processes on the guest's vCPU, in order (an invalidation queue descriptor).</summary>
    public bool Queued { get; init; }

    /// <summary>A queued command that waits for the bridge's answer (a forwarded device-IOTLB invalidation).</summary>
    public bool WaitsForDevice { get; init; }
}
