namespace HilBridge.Core.Engine;

/// <summary>Configuration of one <see cref="AtsEngine"/> (one emulated device). Read once, at construction.</summary>
public sealed class EngineOptions
{
    /// <summary>arm-smmu-v3's CMD_SYNC poll limit (ARM_SMMU_POLL_TIMEOUT_US).</summary>
    public static readonly TimeSpan ArmSmmuV3Timeout = TimeSpan.FromSeconds(1);

    /// <summary>AMD-Vi's completion-wait loop.</summary>
    public static readonly TimeSpan AmdViTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>PCIe's bound on an ATS Invalidate Completion (1 minute, +50% -0%).</summary>
    public static readonly TimeSpan PcieTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the IOMMU side waits for a positive completion before applying <see cref="FencePolicy"/>.</summary>
    public TimeSpan InvalidationTimeout { get; set; } = ArmSmmuV3Timeout;

    /// <summary>What to do without a positive completion. Defaults to the safe behaviour, Fence.</summary>
    public FencePolicy FencePolicy { get; set; } = FencePolicy.Fence;

    public FenceMode FenceMode { get; set; } = FenceMode.BlockTranslated;

    /// <summary>
    /// The device's StreamID (PCI requester ID on QEMU virt, e.g. 0x100 for 01:00.0). Null when unknown:
    /// then any STE invalidation counts as the fresh attach, and StreamID-scoped fault rules never match.
    /// </summary>
    public uint? StreamId { get; set; }

    /// <summary>Seed of the fault policy's generator: same seed and inputs, same effects.</summary>
    public ulong Seed { get; set; }

    public int AtcCapacity { get; set; } = Atc.AddressTranslationCache.DefaultCapacity;

    /// <summary>
    /// An IOTLB INVALIDATE removes exactly its range from the ATC, keeping what a larger translation has
    /// outside it (true), or every entry it touches whole, as kernel vhost and DPDK do (false: how traces
    /// recorded before this option replay).
    /// </summary>
    public bool ExactInvalidation { get; set; } = true;

    /// <summary>The initial fault policy (a well-behaved device by default).</summary>
    public FaultPolicy Policy { get; set; } = FaultPolicy.None;

    /// <summary>The non-zero reply sent for a refused invalidation under Hope (QEMU only checks for non-zero).</summary>
    public ulong RefusedAckStatus { get; set; } = 1;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InvalidationTimeout, TimeSpan.Zero, nameof(InvalidationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(AtcCapacity, 1, nameof(AtcCapacity));
        ArgumentOutOfRangeException.ThrowIfZero(RefusedAckStatus, nameof(RefusedAckStatus));
        ArgumentNullException.ThrowIfNull(Policy, nameof(Policy));
        if (!Enum.IsDefined(FencePolicy) || !Enum.IsDefined(FenceMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FencePolicy), "Unknown fence policy or mode.");
        }
    }
}
