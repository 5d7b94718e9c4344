namespace HilBridge.Live.AtsPort;

/// <summary>
/// Whether the guest fenced the device before its failed flush completed (the seed's ordering rule),
/// judged from the SMMU's reports on the ATS port alone.
/// <para>A flush failed when a CMD_SYNC reported CERROR_ATC_INV_SYNC. The SMMU then retries that same
/// CMD_SYNC, which completes with the same last tag: a driver may learn of the failure there (the
/// reference quarantine does) and still be fencing, so that retry does not end the flush. The flush is
/// over at the first error-free CMD_SYNC that covers a later invalidation: either the driver's own
/// last step (the quarantine's final ATC_INV after its STE update) or the guest's next unmap, which
/// a driver that returned early reaches while the device still holds its stale translations.</para>
/// <para>Not thread-safe: the endpoint calls it under its lock.</para>
/// </summary>
internal sealed class FlushOrderingCheck
{
    private readonly List<TimeSpan> _fenceLeads = [];
    private uint? _failedTag;

    /// <summary>Failed flushes whose completion came while the device could still use its stale translations.</summary>
    public long CompletedUnfenced { get; private set; }

    /// <summary>Failed flushes whose completion came after the device was fenced.</summary>
    public long CompletedFenced => _fenceLeads.Count;

    /// <summary>Failed flushes (CMD_SYNCs failed with CERROR_ATC_INV_SYNC, counted once per failed last tag).</summary>
    public long Failed { get; private set; }

    /// <summary>The shortest time from the fence to the completion of a failed flush it covered, or null if none.</summary>
    public TimeSpan? MinFenceLead => _fenceLeads.Count == 0 ? null : _fenceLeads.Min();

    /// <summary>A CMD_SYNC report. <paramref name="fencedSince"/> is when the device's fence began, null when not fenced.</summary>
    /// <returns>The verdict on a failed flush this report completed, or null when it completed none.</returns>
    public FlushCompletion? OnSync(in SyncReport sync, DateTimeOffset now, DateTimeOffset? fencedSince)
    {
        if (sync.Error != 0)
        {
            if (_failedTag != sync.LastTag)
            {
                Failed++;
            }

            // A second failure before the first flush ended extends it: the same fence must cover both.
            _failedTag = sync.LastTag;
            return null;
        }

        if (_failedTag is not { } failed || sync.LastTag == failed)
        {
            return null;
        }

        _failedTag = null;
        if (fencedSince is { } since)
        {
            var lead = now - since;
            _fenceLeads.Add(lead);
            return new FlushCompletion(failed, sync.LastTag, lead);
        }

        CompletedUnfenced++;
        return new FlushCompletion(failed, sync.LastTag, null);
    }
}

/// <summary>A failed flush (last tag <paramref name="FailedTag"/>) completed by the CMD_SYNC after <paramref name="CompletedByTag"/>;
/// <paramref name="FenceLead"/> is how long the device had been fenced then, null when it was not.</summary>
internal readonly record struct FlushCompletion(uint FailedTag, uint CompletedByTag, TimeSpan? FenceLead);
