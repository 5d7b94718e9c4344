namespace HilBridge.Host.Qemu;

/// <summary>How the bridge launches QEMU for a live run. Defaults follow the lab notes (QEMU 7.2, TCG).</summary>
public sealed class QemuOptions
{
    public string Binary { get; set; } = "qemu-system-aarch64";

    public string Kernel { get; set; } = "";

    public string Initrd { get; set; } = "";

    /// <summary>Guest RAM in MiB; shared memfd so the bridge can map it.</summary>
    public int MemoryMiB { get; set; } = 1024;

    public int Cpus { get; set; } = 2;

    /// <summary>Kernel command line; iommu.strict=1 makes every unmap an immediate invalidation.</summary>
    public string KernelCommandLine { get; set; } = "console=ttyAMA0 iommu.strict=1 panic=-1";

    /// <summary>Extra parameters for the guest workload (hb.mode=..., hb.rounds=...).</summary>
    public string WorkloadArguments { get; set; } = "";

    public int QueueCount { get; set; } = 1;

    /// <summary>vhost-user-blk-pci iommu_platform=on: every device address becomes an IOVA.</summary>
    public bool IommuPlatform { get; set; } = true;

    /// <summary>Trace events tapped live for the SMMU command stream (QEMU's log trace backend).</summary>
    public IReadOnlyList<string> TraceEvents { get; set; } =
        ["smmuv3_cmdq_opcode", "smmuv3_cmdq_cfgi_ste", "smmuv3_cmdq_cfgi_ste_range", "smmuv3_s1_range_inval",
         "smmuv3_cmdq_tlbi_nh_asid"];
}
