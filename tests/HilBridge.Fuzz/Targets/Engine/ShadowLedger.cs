using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Fuzz.Targets.Engine;

/// <summary>
/// The fuzzer's own use-after-free oracle, independent of the engine's TranslationLedger: it sees only
/// what crosses the engine's public surface (the updates and invalidations sent, the entries hits return,
/// the effects) and decides from the guest's point of view. A translation is dead once an acknowledged
/// invalidation covered it: its range overlaps the invalidation's, and it was cached before the
/// invalidation was sent (QEMU answers later misses with fresh translations, which stay legal). Any DMA
/// through a dead translation is a use-after-free: a hit on it, an access still in flight when it died,
/// a straggler through it. The engine must report exactly those; under the fence policy none may happen
/// at all, except the documented one (an access in flight when a timed-out invalidation is forced).
/// </summary>
/// <remarks>
/// Translation ids are mirrored from the ATC's documented contract (AtcEntry: unique and monotonic per
/// cache; an update of size 0 caches nothing), and every hit is checked against the update that made
/// it, so a drift between the mirror and the engine is reported rather than trusted. An exact
/// invalidation re-caches what a translation it cut has outside its range under new Ids: the shadow
/// reads them from the ATC after each invalidation (<see cref="OnCut"/>) and takes each on only if it is
/// a piece of a translation that invalidation cut, outside its range, translating the same way; it is
/// then a translation of its own, cached after that invalidation was sent, and the translation cut
/// names only its invalidated part. (The engine removes a translation in use, or already tracked, whole.)
/// </remarks>
internal sealed class ShadowLedger(bool fence)
{
    private readonly Dictionary<ulong, Translation> _translations = [];
    private readonly Dictionary<ulong, Sent> _pending = [];
    private readonly HashSet<ulong> _timedOut = [];
    private readonly Dictionary<ulong, Death> _dead = [];
    private readonly Dictionary<ulong, Flight> _inFlight = [];
    private readonly HashSet<ulong> _cached = [];
    private readonly List<ulong> _cut = [];
    private ulong _lastId;
    private (ulong First, ulong Last) _lastInvalidation;
    private ulong _sent;
    private bool _fenced;

    /// <summary>Use-after-frees the shadow saw (each must match a violation the engine reported).</summary>
    public int UseAfterFrees { get; private set; }

    public void OnUpdate(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        if (size != 0)
        {
            var t = new Translation(iova, Last(iova, size), uaddr, perm);
            // A newer translation replaces the overlapped ones in the ATC.
            Uncache(id => Overlaps(_translations[id], t.First, t.Last));
            _translations[++_lastId] = t;
            _cached.Add(_lastId);
        }
    }

    public void OnInvalidate(ulong requestId, ulong iova, ulong size)
    {
        var sent = new Sent(iova, size == 0 ? ulong.MaxValue : Last(iova, size), _lastId);
        _pending[requestId] = sent;
        _sent = Math.Max(_sent, requestId);
        _lastInvalidation = (sent.First, sent.Last);
        _cut.Clear();
        _cut.AddRange(_cached.Where(id => Overlaps(_translations[id], sent.First, sent.Last)));
        Uncache(id => Overlaps(_translations[id], sent.First, sent.Last));
    }

    /// <summary>
    /// The ATC right after the last invalidation: any entry the shadow does not know must be the rest of a
    /// translation it cut (exact invalidation only). <paramref name="lastId"/> is the Id the ATC handed out
    /// last: a rest the same call flushed again (a refusal's fence) used an Id that nothing can hit any more,
    /// and the next update's Id follows it.
    /// </summary>
    public string? OnCut(IReadOnlyList<AtcEntry> atc, ulong lastId, bool exact)
    {
        var (first, last) = _lastInvalidation;
        var split = new HashSet<ulong>();
        foreach (var e in atc)
        {
            if (_translations.ContainsKey(e.Id))
            {
                continue;
            }

            if (!exact)
            {
                return $"entry {e} appeared in the ATC by an invalidation that removes whole entries";
            }

            var parent = _cut.Where(id => IsPieceOf(e, _translations[id], first, last)).Cast<ulong?>().FirstOrDefault();
            if (parent is not { } p)
            {
                return $"entry {e} appeared in the ATC after the invalidation of [0x{first:x}, 0x{last:x}]: not the rest of a translation it cut";
            }

            _translations[e.Id] = new Translation(e.Iova, e.Last, e.UserAddr, e.Perm);
            _cached.Add(e.Id);
            split.Add(p);
        }

        // A translation that was split names only its invalidated part from now on (what its capture, its
        // stragglers and its death are about); the rest is the new translations'.
        foreach (var id in split)
        {
            var t = _translations[id];
            var pieceFirst = Math.Max(t.First, first);
            _translations[id] = new Translation(pieceFirst, Math.Min(t.Last, last), unchecked(t.User + (pieceFirst - t.First)), t.Perm);
        }

        if (lastId < _lastId || (!exact && lastId != _lastId))
        {
            return $"the ATC's last Id went from {_lastId} to {lastId} in an invalidation ({(exact ? "exact" : "whole entries")})";
        }

        _lastId = lastId;
        return null;
    }

    /// <summary>Inside the translation, outside the invalidated range, translating the same way.</summary>
    private static bool IsPieceOf(in AtcEntry e, Translation t, ulong first, ulong last) =>
        e.Size != 0 && e.Iova >= t.First && e.Last <= t.Last && !Overlaps(new Translation(e.Iova, e.Last, 0, 0), first, last) &&
        e.Perm == t.Perm && e.UserAddr == unchecked(t.User + (e.Iova - t.First));

    /// <summary>A device reset empties the ATC.</summary>
    public void OnStopped() => Uncache(_ => true);

    /// <summary>A BeginAccess hit, judged before its call's effects (nothing can be acknowledged between the lookup and them).</summary>
    public string? OnHit(in AtcEntry entry, AccessToken token, AccessKind kind, DmaPurpose purpose, bool engineReported)
    {
        if (!_translations.TryGetValue(entry.Id, out var t) || (t.First, t.Last, t.User, t.Perm) != (entry.Iova, entry.Last, entry.UserAddr, entry.Perm))
        {
            return $"hit on entry {entry} that no update cached under id {entry.Id} (shadow: {(_translations.TryGetValue(entry.Id, out var s) ? s : "none")})";
        }

        var dead = _dead.TryGetValue(entry.Id, out var death);
        _inFlight[token.Id] = new Flight(entry.Id, dead);
        if (dead)
        {
            UseAfterFrees++;
        }

        if (dead != engineReported)
        {
            return $"{kind} {purpose} hit on entry {entry.Id}: shadow says {(dead ? $"use-after-free (dead since the ack of {death.By})" : "legal")}, engine {(engineReported ? "reported a violation" : "reported none")}";
        }

        return dead && fence ? $"use-after-free under the fence policy: {kind} {purpose} hit on entry {entry.Id} after the ack of {death.By}" : null;
    }

    /// <summary>An EndAccess, judged before its call's effects (acknowledgements it allows come after it).</summary>
    public string? OnEnd(AccessToken token, bool engineReported)
    {
        if (!_inFlight.Remove(token.Id, out var flight))
        {
            return engineReported ? $"violation reported for the end of unknown access {token.Id}" : null;
        }

        // Reported once: at the hit if it was dead then, else here if it died while in flight.
        var death = default(Death);
        var diedInFlight = !flight.DeadAtBegin && _dead.TryGetValue(flight.EntryId, out death);
        if (diedInFlight)
        {
            UseAfterFrees++;
        }

        if (diedInFlight != engineReported)
        {
            return $"end of access through entry {flight.EntryId}: shadow says {(diedInFlight ? $"it died in flight (ack of {death.By})" : "nothing to report")}, engine {(engineReported ? "reported a violation" : "reported none")}";
        }

        return diedInFlight && fence && !death.AfterTimeout
            ? $"use-after-free under the fence policy: invalidation {death.By} acknowledged while an access through entry {flight.EntryId} was in flight, without a timeout forcing it"
            : null;
    }

    /// <summary>An effect, in production order.</summary>
    public string? OnEffect(in EngineEffect effect, ref bool expectStragglerViolation, ref ulong stragglerEntry)
    {
        switch (effect.Kind)
        {
            case EffectKind.InvalidationTimedOut:
                _timedOut.Add(effect.RequestId);
                return null;
            case EffectKind.AckInvalidation:
                Acknowledge(effect.RequestId);
                return null;
            case EffectKind.Fenced:
                _fenced = true;
                Uncache(_ => true); // a fence flushes the ATC
                return null;
            case EffectKind.Unfenced:
                _fenced = false;
                return null;
            case EffectKind.StragglerAccess:
                return OnStraggler(effect.Straggler, ref expectStragglerViolation, ref stragglerEntry);
            case EffectKind.Violation when effect.Violation.Source == ViolationSource.Straggler:
                var expected = expectStragglerViolation && effect.Violation.EntryId == stragglerEntry;
                expectStragglerViolation = false;
                return expected ? null : $"straggler violation without a violating straggler just before it: {effect}";
            case EffectKind.Violation:
                return $"device-access violation outside any access: {effect}";
            default:
                return null;
        }
    }

    private string? OnStraggler(in StragglerAccess s, ref bool expectViolation, ref ulong entry)
    {
        if (expectViolation)
        {
            return $"a violating straggler through entry {entry} was not reported as a violation";
        }

        if (!_translations.TryGetValue(s.EntryId, out var t) || s.Iova < t.First || s.Iova > t.Last)
        {
            return $"straggler of {s.RequestId} through entry {s.EntryId} at 0x{s.Iova:x}, which no update cached there";
        }

        if (s.Outcome == StragglerOutcome.RefusedFenced)
        {
            // Refused: no access reached memory. Only a fence may refuse it.
            return _fenced ? null : $"straggler of {s.RequestId} refused while the device was not fenced";
        }

        var dead = _dead.TryGetValue(s.EntryId, out var death);
        if (dead)
        {
            UseAfterFrees++;
        }

        if (dead != (s.Outcome == StragglerOutcome.Violation))
        {
            return $"straggler of {s.RequestId} through entry {s.EntryId}: shadow says {(dead ? $"use-after-free (dead since the ack of {death.By})" : "legal")}, engine says {s.Outcome}";
        }

        if (dead && fence)
        {
            return $"use-after-free under the fence policy: straggler of {s.RequestId} through entry {s.EntryId} after the ack of {death.By}";
        }

        expectViolation = dead;
        entry = s.EntryId;
        return null;
    }

    private void Acknowledge(ulong requestId)
    {
        if (!_pending.Remove(requestId, out var sent))
        {
            return; // the target reports acks of requests never sent
        }

        var afterTimeout = _timedOut.Remove(requestId);
        foreach (var (id, t) in _translations)
        {
            if (id <= sent.CachedBefore && Overlaps(t, sent.First, sent.Last) && !_dead.ContainsKey(id))
            {
                _dead[id] = new Death(requestId, afterTimeout);
            }
        }
    }

    /// <summary>Takes translations out of the ATC (by an invalidation, or displaced by an update, a reset or a fence).</summary>
    private void Uncache(Func<ulong, bool> which)
    {
        foreach (var id in _cached.Where(which).ToList())
        {
            _cached.Remove(id);
        }
    }

    private static bool Overlaps(Translation t, ulong first, ulong last) => t.First <= last && first <= t.Last;

    private static ulong Last(ulong iova, ulong size) => size - 1 > ulong.MaxValue - iova ? ulong.MaxValue : iova + (size - 1);

    private readonly record struct Translation(ulong First, ulong Last, ulong User, AccessKind Perm);

    /// <summary>An invalidation as sent: its inclusive range, and the last translation id cached before it.</summary>
    private readonly record struct Sent(ulong First, ulong Last, ulong CachedBefore);

    private readonly record struct Death(ulong By, bool AfterTimeout);

    private readonly record struct Flight(ulong EntryId, bool DeadAtBegin);
}
