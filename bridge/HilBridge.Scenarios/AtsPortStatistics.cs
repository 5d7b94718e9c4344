namespace HilBridge.Scenarios;

/// <summary>A snapshot of what crossed the ATS port between QEMU's SMMU and HilBridge.</summary>
public sealed record AtsPortStatistics
{
    /// <summary>Connections from the SMMU (1 in a normal run).</summary>
    public long Connections { get; init; }

    /// <summary>The SMMU's hardware ATC invalidation timeout as it announced it (HELLO), 0 = none.</summary>
    public uint SmmuTimeoutMs { get; init; }

    /// <summary>The guest's CMD_ATC_INV commands received.</summary>
    public long AtcInvalidations { get; init; }

    /// <summary>Of those, for StreamIDs other than the device's (completed at once).</summary>
    public long OtherStreamInvalidations { get; init; }

    /// <summary>Counts by CMD_ATC_INV Size (log2 of 4 KiB pages; 52 = everything).</summary>
    public IReadOnlyDictionary<int, long> SpanSizes { get; init; } = new Dictionary<int, long>();

    /// <summary>Completions sent back (status 0) and failed completions (the device refused).</summary>
    public long CompletionsSent { get; init; }
    public long FailedCompletionsSent { get; init; }

    /// <summary>Engine acknowledgements withheld because they came from the timeout, not from the device.</summary>
    public long CompletionsWithheld { get; init; }

    /// <summary>Completions sent after the SMMU had already timed the invalidation out (ignored by QEMU).</summary>
    public long LateCompletions { get; init; }

    /// <summary>Completions that found no connection.</summary>
    public long CompletionsDropped { get; init; }

    /// <summary>Receipt of the ATC_INV to sending its completion (the injected delays as the SMMU saw them).</summary>
    public TimeSpan? CompletionDelayP50 { get; init; }
    public TimeSpan? CompletionDelayP99 { get; init; }
    public TimeSpan? CompletionDelayMax { get; init; }

    /// <summary>ATC invalidations the SMMU's own timeout failed (CERROR_ATC_INV_SYNC follows).</summary>
    public long SmmuTimeouts { get; init; }

    /// <summary>CMD_SYNCs that covered forwarded invalidations: completed, and reported CERROR_ATC_INV_SYNC.</summary>
    public long Syncs { get; init; }
    public long SyncErrors { get; init; }

    /// <summary>How long the guest's command queue waited at those CMD_SYNCs.</summary>
    public TimeSpan? SyncWaitP50 { get; init; }
    public TimeSpan? SyncWaitP99 { get; init; }
    public TimeSpan? SyncWaitMax { get; init; }

    /// <summary>STE reports, and the fences / unfences they caused.</summary>
    public long SteReports { get; init; }
    public long SteFences { get; init; }
    public long SteUnfences { get; init; }

    /// <summary>ATC_INV received since the guest's STE last unfenced the device (ATS working again after a
    /// reset and re-attach), null when no STE unfenced it.</summary>
    public long? AtcInvalidationsAfterSteUnfence { get; init; }

    /// <summary>
    /// From the SMMU's first ATC invalidation timeout to the first STE fence after it (a quarantine kernel's
    /// fence, or on a stock kernel whatever STE change came next, e.g. a reset's): null without both.
    /// </summary>
    public TimeSpan? SteFenceAfterSmmuTimeout { get; init; }

    /// <summary>
    /// The ordering rule: flushes the SMMU failed (CERROR_ATC_INV_SYNC), and how their completion (the first
    /// error-free CMD_SYNC covering a later invalidation) found the device: fenced, or still able to use its
    /// stale translations. <see cref="FenceLeadMin"/> is the shortest time a fence preceded such a completion.
    /// </summary>
    public long FailedFlushes { get; init; }
    public long FlushesCompletedFenced { get; init; }
    public long FlushesCompletedUnfenced { get; init; }
    public TimeSpan? FenceLeadMin { get; init; }

    /// <summary>Malformed, short or unknown messages (counted, skipped).</summary>
    public long ProtocolErrors { get; init; }
}
