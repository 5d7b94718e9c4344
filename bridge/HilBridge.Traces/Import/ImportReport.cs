namespace HilBridge.Traces.Import;

/// <summary>What an import read from the log and turned into engine inputs.</summary>
public sealed class ImportReport
{
    public long Events { get; internal set; }
    public long TimestampedEvents { get; internal set; }
    public long Translations { get; internal set; }
    public long OtherStreamTranslations { get; internal set; }
    public long IotlbUpdates { get; internal set; }
    public long Accesses { get; internal set; }
    public long RefusedAccesses { get; internal set; }
    public long RangeInvalidations { get; internal set; }
    public long FullInvalidations { get; internal set; }

    /// <summary>Guest-visible ATS: the device's CMD_ATC_INVs applied, and the SMMU TLB invalidations that do not reach its ATC.</summary>
    public long AtcInvalidations { get; internal set; }
    public long TlbInvalidationsNotForTheAtc { get; internal set; }
    public long SteInvalidations { get; internal set; }
    public long Resets { get; internal set; }
    public long IgnoredEvents { get; internal set; }
    public DateTimeOffset? First { get; internal set; }
    public DateTimeOffset? Last { get; internal set; }

    /// <summary>Events per name, including the ones the model ignores (SMMU opcodes as "smmuv3_cmdq_opcode SMMU_CMD_SYNC").</summary>
    public Dictionary<string, long> ByName { get; } = new(StringComparer.Ordinal);
}
