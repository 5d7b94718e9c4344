namespace HilBridge.Live.Guest;

/// <summary>Which of the guest kernel's own IOMMU timeout messages a console line is.</summary>
public enum KernelTimeoutKind
{
    None,
    /// <summary>
    /// The IOMMU reported that an ATC invalidation did not complete. arm-smmu-v3: "CMDQ error (cons 0x...):
    /// ATC invalidate timeout" (CERROR_ATC_INV_SYNC); intel-iommu: "Invalidation Time-out Error (ITE)
    /// cleared" (qi_check_fault, after which the guest submits the invalidation again).
    /// </summary>
    AtcInvalidate,
    /// <summary>arm-smmu-v3: "CMD_SYNC timeout at 0x... [hwprod 0x..., hwcons 0x...]" (its 1 s poll gave up).</summary>
    CmdSync,

    /// <summary>
    /// Kept with the others but not counted: intel-iommu's "VT-d detected Invalidation Time-out Error: SID
    /// 100" (qi_dump_fault, the source-id read from IQER.ITESID) before its "(ITE) cleared".
    /// </summary>
    Detail,
}

/// <summary>Recognizes the guest kernel's IOMMU timeout messages among its console lines.</summary>
public static class KernelTimeoutMessages
{
    public static KernelTimeoutKind Classify(string line)
    {
        if (line.Contains("ATC invalidate timeout", StringComparison.Ordinal) ||
            line.Contains("Invalidation Time-out Error (ITE) cleared", StringComparison.Ordinal))
        {
            return KernelTimeoutKind.AtcInvalidate;
        }

        if (line.Contains("CMD_SYNC timeout", StringComparison.Ordinal))
        {
            return KernelTimeoutKind.CmdSync;
        }

        if (line.Contains("detected Invalidation Time-out Error", StringComparison.Ordinal))
        {
            return KernelTimeoutKind.Detail;
        }

        return KernelTimeoutKind.None;
    }
}
