namespace HilBridge.Scenarios;

/// <summary>
/// The virtual IOMMU a live run puts in front of the device: QEMU's SMMUv3 (aarch64 virt) or Intel VT-d
/// (x86_64 q35, intel-iommu). The bridge sees the same vhost-user IOTLB traffic behind both; what the
/// guest's IOMMU driver does maps one to one:
/// <list type="table">
/// <item>StreamID (SMMUv3) = source-id (VT-d): the PCI requester ID, bus &lt;&lt; 8 | devfn.</item>
/// <item>CMD_TLBI_NH_VA = IOTLB invalidation descriptor (page-selective).</item>
/// <item>CMD_ATC_INV = device-IOTLB invalidation descriptor (reaches the bridge as INVALIDATE).</item>
/// <item>CMD_SYNC = invalidation wait descriptor.</item>
/// <item>CMD_CFGI_STE = context-cache invalidation for the device's source-id (a fresh attach or a detach).</item>
/// </list>
/// </summary>
public enum IommuKind
{
    SmmuV3,
    Vtd,
}

/// <summary>The names of an <see cref="IommuKind"/>: on the command line, in scenario files and in summaries.</summary>
public static class IommuNames
{
    public const string Choices = "smmuv3 or vtd";

    /// <summary>As written in `--iommu` and a scenario's `iommu:`.</summary>
    public static string Key(this IommuKind kind) => kind switch
    {
        IommuKind.Vtd => "vtd",
        _ => "smmuv3",
    };

    /// <summary>What this IOMMU calls the device's requester ID.</summary>
    public static string RequesterIdName(this IommuKind kind) => kind == IommuKind.Vtd ? "source-id" : "StreamID";

    public static bool TryParse(string? text, out IommuKind kind)
    {
        kind = IommuKind.SmmuV3;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "smmuv3" or "smmu":
                return true;
            case "vtd" or "vt-d" or "intel-iommu":
                kind = IommuKind.Vtd;
                return true;
            default:
                return false;
        }
    }
}
