namespace HilBridge.Traces.Import;

/// <summary>The device model an import applies to QEMU's SMMU log (see <see cref="SmmuLogImporter"/>).</summary>
public sealed record ImportOptions
{
    /// <summary>Page size of the synthetic IOTLB updates: QEMU logs translations per access, not their granule.</summary>
    public const ulong PageSize = 4096;

    /// <summary>The device's StreamID; events of other StreamIDs are counted and skipped.</summary>
    public uint? StreamId { get; init; }

    /// <summary>
    /// Treat a CFGI_STE for the device as a fresh attach after a function reset (DeviceStopped, DeviceStarted,
    /// then the STE): QEMU's SMMU log does not show resets, and a guest rewrites the STE when it re-probes a device.
    /// </summary>
    public bool ResetOnAttach { get; init; } = true;

    /// <summary>
    /// The log is from the patched SMMU with guest-visible ATS (qemu-scripts/patches): the guest invalidates the
    /// device's ATC with CMD_ATC_INV (<c>smmuv3_cmdq_atc_inv</c>), and only those reach it; the SMMU's own TLB
    /// invalidations (TLBI, range invalidations) do not, so they are counted and not applied.
    /// </summary>
    public bool GuestVisibleAts { get; init; }

    /// <summary>Time between events when the log has no "pid@sec.usec:" timestamps.</summary>
    public TimeSpan SyntheticStep { get; init; } = TimeSpan.FromMicroseconds(10);
}
