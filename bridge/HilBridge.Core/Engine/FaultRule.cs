using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

/// <summary>
/// One rule of a <see cref="FaultPolicy"/>. A rule applies to an invalidation when its scope matches
/// (every set field must match) and its selection passes (every Nth scope match, then probability);
/// otherwise the next rule is tried. Unset fields do not constrain.
/// </summary>
public sealed record FaultRule
{
    /// <summary>Free text for logs and scenario files.</summary>
    public string? Name { get; init; }

    // ---- scope ----

    /// <summary>
    /// Only for this StreamID. An invalidation from QEMU carries no StreamID, so this is compared with
    /// <see cref="EngineOptions.StreamId"/> (one engine per device); a rule with a StreamID never matches
    /// an engine whose StreamID is unknown.
    /// </summary>
    public uint? StreamId { get; init; }

    /// <summary>Only invalidations sharing at least one byte with this range.</summary>
    public IovaRange? Iova { get; init; }

    /// <summary>Only from this long after engine start (inclusive).</summary>
    public TimeSpan? From { get; init; }

    /// <summary>Only until this long after engine start (exclusive).</summary>
    public TimeSpan? Until { get; init; }

    // ---- selection ----

    /// <summary>Applies to the Nth, 2Nth, ... invalidation matching the scope (counted per rule, reset by SetPolicy).</summary>
    public int? EveryNth { get; init; }

    /// <summary>Applies with this probability (0..1), drawn from the seeded generator after EveryNth passed.</summary>
    public double? Probability { get; init; }

    /// <summary>Applies at most this many times (then falls through), so a scenario can inject a bounded number of faults.</summary>
    public int? Limit { get; init; }

    // ---- outcome ----

    public FaultOutcome Outcome { get; init; } = FaultOutcome.Complete;

    /// <summary>Delay from arrival to the completion (Complete) or the negative completion (Refuse); ignored for Drop.</summary>
    public Distribution Delay { get; init; } = Distribution.None;

    /// <summary>Late accesses through the captured translations, or null for none.</summary>
    public StragglerSpec? Stragglers { get; init; }

    internal bool ScopeMatches(uint? engineStreamId, ulong first, ulong last, TimeSpan sinceStart)
    {
        if (StreamId is uint sid && sid != engineStreamId)
        {
            return false;
        }

        if (Iova is IovaRange range && !range.Overlaps(first, last))
        {
            return false;
        }

        return (From is not TimeSpan from || sinceStart >= from) && (Until is not TimeSpan until || sinceStart < until);
    }

    internal void Validate()
    {
        if (EveryNth is int n && n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EveryNth), n, "EveryNth must be at least 1.");
        }

        if (Limit is int limit && limit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), limit, "Limit must not be negative.");
        }

        if (Probability is double p && !(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Probability), p, "Probability must be in [0, 1].");
        }

        if (!Enum.IsDefined(Outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(Outcome), Outcome, "Unknown outcome.");
        }

        Stragglers?.Validate();
    }
}
