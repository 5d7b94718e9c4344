namespace HilBridge.Live.Guest;

/// <summary>Which of the guest kernel's own IOMMU timeout messages a console line is.</summary>
public enum KernelTimeoutKind
{
    None,
    /// <summary>arm-smmu-v3: "CMDQ error (cons 0x...): ATC invalidate timeout" (CERROR_ATC_INV_SYNC).</summary>
    AtcInvalidate,
    /// <summary>arm-smmu-v3: "CMD_SYNC timeout at 0x... [hwprod 0x..., hwcons 0x...]" (its 1 s poll gave up).</summary>
    CmdSync,
}

/// <summary>Recognizes the guest kernel's IOMMU timeout messages among its console lines.</summary>
public static class KernelTimeoutMessages
{
    public static KernelTimeoutKind Classify(string line)
    {
        if (line.Contains("ATC invalidate timeout", StringComparison.Ordinal))
        {
            return KernelTimeoutKind.AtcInvalidate;
        }

        if (line.Contains("CMD_SYNC timeout", StringComparison.Ordinal))
        {
            return KernelTimeoutKind.CmdSync;
        }

        return KernelTimeoutKind.None;
    }
}
