using HilBridge.Live.Device;

namespace HilBridge.Live.AtsPort;

/// <summary>What to do with the engine's acknowledgement of an ATS port invalidation.</summary>
internal enum AckRouting
{
    /// <summary>Not ours (or already answered): ignore.</summary>
    Unknown,
    /// <summary>The device completed (status 0) or failed it: send the completion to the SMMU.</summary>
    Send,
    /// <summary>
    /// The engine acknowledged only because its timeout expired (FencePolicy Hope, or after a fence):
    /// the device never answered, so nothing goes to the SMMU, which times the invalidation out itself.
    /// </summary>
    Withhold,
}

/// <summary>
/// Pairs the SMMU's invalidation tags with the engine request ids of the ATS port (taken from its
/// <see cref="InvalidationRequester"/>) and decides, for each engine acknowledgement, whether it is
/// the device's completion. Not thread-safe: the endpoint calls it under its own lock.
/// </summary>
internal sealed class AtsInvalidationTable(InvalidationRequester requester)
{
    private readonly Dictionary<ulong, Entry> _byRequest = [];
    private readonly Dictionary<uint, ulong> _requestByTag = [];

    public int Outstanding => _byRequest.Count;

    /// <summary>Registers SMMU tag <paramref name="tag"/> received at <paramref name="timestamp"/>; returns its engine request id.</summary>
    public ulong Add(uint tag, long timestamp)
    {
        var id = requester.NewRequestId();
        // Tags are unique among the SMMU's outstanding invalidations; a repeat is the SMMU replaying
        // them after a reconnect (or a migration): the newest wins, the old ack will be ignored.
        if (_requestByTag.Remove(tag, out var stale))
        {
            _byRequest.Remove(stale);
        }

        _byRequest[id] = new Entry(tag, timestamp);
        _requestByTag[tag] = id;
        return id;
    }

    /// <summary>The engine's timeout expired for <paramref name="requestId"/>: its coming ack is not the device's.</summary>
    public void MarkEngineTimedOut(ulong requestId)
    {
        if (_byRequest.TryGetValue(requestId, out var entry))
        {
            entry.EngineTimedOut = true;
        }
    }

    /// <summary>The SMMU gave up on <paramref name="tag"/>; a completion sent after this is late.</summary>
    public void MarkSmmuTimedOut(uint tag)
    {
        if (_requestByTag.TryGetValue(tag, out var id))
        {
            _byRequest[id].SmmuTimedOut = true;
        }
    }

    /// <summary>Routes the engine's acknowledgement and forgets the invalidation.</summary>
    public AckRouting Complete(ulong requestId, out uint tag, out long receivedAt, out bool late)
    {
        tag = 0;
        receivedAt = 0;
        late = false;
        if (!_byRequest.Remove(requestId, out var entry))
        {
            return AckRouting.Unknown;
        }

        _requestByTag.Remove(entry.Tag);
        tag = entry.Tag;
        receivedAt = entry.ReceivedAt;
        late = entry.SmmuTimedOut;
        return entry.EngineTimedOut ? AckRouting.Withhold : AckRouting.Send;
    }

    /// <summary>The SMMU went away: none of the tags can be answered any more.</summary>
    public void Clear()
    {
        _byRequest.Clear();
        _requestByTag.Clear();
    }

    private sealed class Entry(uint tag, long receivedAt)
    {
        public uint Tag { get; } = tag;
        public long ReceivedAt { get; } = receivedAt;
        public bool EngineTimedOut { get; set; }
        public bool SmmuTimedOut { get; set; }
    }
}
