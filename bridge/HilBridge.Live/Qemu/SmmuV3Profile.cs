using HilBridge.Scenarios;
using HilBridge.Traces.Import;

namespace HilBridge.Live.Qemu;

/// <summary>
/// QEMU's SMMUv3 on the aarch64 virt machine (Debian's arm64 guest), and with <see cref="QemuOptions.GuestVisibleAts"/>
/// the patched SMMU that shows ATS to the guest: UEFI/ACPI boot and the ATS port as a chardev client of the bridge.
/// </summary>
public sealed class SmmuV3Profile : IommuProfile
{
    public static SmmuV3Profile Instance { get; } = new();

    public const string Binary = "qemu-system-aarch64";

    public override IommuKind Kind => IommuKind.SmmuV3;

    public override string GuestArch => "arm64";

    public override string DefaultBinary => Binary;

    public override int DefaultCpus => 2;

    /// <summary>iommu.strict=1 makes every unmap an immediate invalidation.</summary>
    public override string DefaultKernelCommandLine => "console=ttyAMA0 iommu.strict=1 panic=-1";

    public override string TraceEventPrefix => "smmu";

    public override string GuestVisibleAtsFirmware => GuestVisibleAtsOptions.DefaultFirmware;

    public override string GuestVisibleAtsFirmwarePackage => "qemu-efi-aarch64";

    public override IReadOnlyList<string> TraceEvents { get; } =
        ["smmuv3_cmdq_opcode", "smmuv3_cmdq_cfgi_ste", "smmuv3_cmdq_cfgi_ste_range", "smmuv3_s1_range_inval",
         "smmuv3_cmdq_tlbi_nh_asid"];

    public override IEnumerable<string> MachineArguments(QemuOptions options, QemuEndpoints endpoints)
    {
        var ats = options.GuestVisibleAts;
        IEnumerable<string> machine = ["-M", ats is null ? "virt,iommu=smmuv3" : "virt,iommu=smmuv3,ats=on", "-cpu", "max"];
        return ats is null ? machine : machine.Concat(AtsArguments(ats, endpoints, options.VhostReconnectSeconds));
    }

    /// <summary>Debian's 6.1 kernel takes "root complex supports ATS" only from ACPI (IORT).</summary>
    public override string KernelCommandLine(QemuOptions options) =>
        options.GuestVisibleAts is null ? base.KernelCommandLine(options) : base.KernelCommandLine(options) + " acpi=force";

    /// <summary>UEFI boot, and the SMMU's ATS port as a chardev client of the bridge's socket.</summary>
    private static IEnumerable<string> AtsArguments(GuestVisibleAtsOptions ats, QemuEndpoints endpoints, int? reconnectSeconds)
    {
        if (endpoints.AtsPortSocket is not { } socket)
        {
            throw new ArgumentException("guest-visible ATS needs the ATS port socket", nameof(endpoints));
        }

        var timeoutMs = (long)Math.Ceiling(Math.Max(0, ats.AtcInvalidationTimeout.TotalMilliseconds));
        return
        [
            "-bios", ats.Firmware,
            // The bridge serves both sockets: a QEMU that reconnects to one reconnects to the other (the SMMU
            // then sends its outstanding ATC invalidations again).
            "-chardev", "socket,id=hbats,path=" + socket + (reconnectSeconds is { } r ? ",reconnect=" + r : ""),
            "-global", "arm-smmuv3.ats-port=hbats",
            "-global", "arm-smmuv3.ats-timeout-ms=" + Math.Min(timeoutMs, uint.MaxValue),
        ];
    }

    public override IommuTraceObservation Observe(SmmuTraceEvent e) => e.Name switch
    {
        "smmuv3_cmdq_opcode" => new(e.Opcode) { Queued = true },
        "smmuv3_cmdq_cfgi_ste" when e.TryGetNumber("streamid", out var sid) => new(null) { ContextFirst = (uint)sid, ContextCount = 1 },
        // A range covers up to 256 StreamIDs that matter here (one root port's bus).
        "smmuv3_cmdq_cfgi_ste_range" when e.TryGetNumber("start", out var start) && e.TryGetNumber("end", out var end) && end >= start =>
            new(null) { ContextFirst = (uint)start, ContextCount = (uint)Math.Min(end - start + 1, 256) },
        _ => new(null),
    };
}
