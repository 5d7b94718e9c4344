using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// The use-after-free checker: every translation the device can still use, and whether using it now is
/// a use-after-free. It owns the device's ATC, the captures (translations invalidations hold until they
/// are retired), and the pins (accesses in flight between BeginAccess and EndAccess).
/// </summary>
/// <remarks>
/// A translation is dead from the moment an invalidation holding it is acknowledged: QEMU then lets the
/// guest reuse the page. Any later access or straggler through it is a violation.
/// The ledger keeps the invalidations' PinnedHeld and StragglingHeld counts up to date; when one falls to
/// zero it returns the capture, and <see cref="AtsEngine"/> decides whether its holders may progress.
/// No lock: it lives inside <see cref="AtsEngine"/>, whose calls the host serializes.
/// </remarks>
internal sealed class TranslationLedger
{
    private readonly AddressTranslationCache _atc;
    private readonly EnginePool _pool;
    private readonly Dictionary<ulong, Capture> _captures = new();
    private readonly Dictionary<ulong, Pin> _pins = new();
    private readonly Dictionary<ulong, int> _pinsPerEntry = new();
    private readonly Dictionary<ulong, PayloadUse> _payloadUse = new();
    private readonly List<AtcEntry> _entryScratch = new();
    private readonly List<(Capture, ulong)> _targetScratch = new();
    private readonly bool _exactInvalidation;
    private ulong _lastToken;

    /// <param name="atcCapacity">Translations the ATC holds.</param>
    /// <param name="pool">Where captures come from.</param>
    /// <param name="exactInvalidation">An invalidation removes exactly its range (else every entry it touches, whole).</param>
    public TranslationLedger(int atcCapacity, EnginePool pool, bool exactInvalidation = true)
    {
        _atc = new AddressTranslationCache(atcCapacity);
        _pool = pool;
        _exactInvalidation = exactInvalidation;
    }

    /// <summary>The device's ATC: translations new lookups can hit.</summary>
    internal AddressTranslationCache Cache => _atc;

    public int AtcCount => _atc.Count;

    public long AtcEvictions => _atc.Evictions;

    // For tests: the UAF history must shrink back once nothing can reference it.
    internal int TrackedCaptures => _captures.Count;

    internal int TrackedPayloadUses => _payloadUse.Count;

    /// <summary>Accesses between BeginAccess and EndAccess.</summary>
    public int InFlightAccesses => _pins.Count;

    // ---- the ATC ----

    /// <summary>Caches a translation (the answer to a miss); overlapped entries are replaced and forgotten.</summary>
    /// <returns>False when the ATC rejected it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCache(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        _entryScratch.Clear();
        if (!_atc.TryInsert(iova, size, uaddr, perm, out _, _entryScratch))
        {
            return false;
        }

        ForgetRemovedFromAtc(_entryScratch);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLookup(ulong iova, out AtcEntry entry) => _atc.TryLookup(iova, out entry);

    /// <summary>Empties the ATC (a device reset or a fence).</summary>
    public void FlushAtc()
    {
        _entryScratch.Clear();
        _atc.Clear(_entryScratch);
        ForgetRemovedFromAtc(_entryScratch);
    }

    // ---- the checker ----

    /// <summary>Whether an access through <paramref name="entryId"/> now is a use-after-free; if so, the dead capture.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryFindUseAfterFree(ulong entryId, out Capture dead) =>
        _captures.TryGetValue(entryId, out dead!) && IsUseAfterFree(dead);

    /// <summary>Whether a use of <paramref name="capture"/> now is a use-after-free: an invalidation holding it was acknowledged.</summary>
    public static bool IsUseAfterFree(Capture capture) => capture.AckedAt is not null;

    /// <summary>The report of a use of <paramref name="dead"/> at <paramref name="now"/>.</summary>
    public static UafViolation Violation(
        Capture dead, uint? streamId, ViolationSource source, ulong iova, ulong bytes, AccessKind kind, DateTimeOffset now) =>
        new(streamId, iova, bytes, kind, dead.Entry.Id, now - dead.AckedAt!.Value, source, dead.AckedBy);

    // ---- pins ----

    /// <summary>Pins <paramref name="entry"/> for one access: invalidations holding it wait until it is unpinned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AccessToken Pin(in AtcEntry entry, ulong iova, ulong bytes, AccessKind kind, DmaPurpose purpose, bool violationReported)
    {
        var token = new AccessToken(++_lastToken);
        _pins.Add(token.Id, new Pin(entry, iova, bytes, kind, purpose, violationReported));
        if (purpose == DmaPurpose.Payload)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_payloadUse, entry.Id, out _).Record(kind, iova);
        }

        ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pinsPerEntry, entry.Id, out _);
        if (count++ == 0 && _captures.TryGetValue(entry.Id, out var capture))
        {
            foreach (var holder in capture.Holders)
            {
                holder.PinnedHeld++;
            }
        }

        return token;
    }

    /// <summary>Ends the access of <paramref name="token"/>; false for unknown or default tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryUnpin(AccessToken token, out Pin pin) => _pins.Remove(token.Id, out pin);

    /// <summary>Drops an ended access's hold on its translation.</summary>
    /// <returns>The capture whose holders no longer wait for accesses (its last pin ended); null otherwise.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Capture? ReleasePin(in Pin pin)
    {
        ulong entryId = pin.Entry.Id;
        ref int count = ref CollectionsMarshal.GetValueRefOrNullRef(_pinsPerEntry, entryId);
        if (--count > 0)
        {
            return null;
        }

        _pinsPerEntry.Remove(entryId);
        if (!_captures.TryGetValue(entryId, out var capture))
        {
            return null;
        }

        foreach (var holder in capture.Holders)
        {
            holder.PinnedHeld--;
        }

        return capture;
    }

    private bool IsPinned(ulong entryId) => _pinsPerEntry.ContainsKey(entryId);

    // ---- captures ----

    /// <summary>
    /// Makes <paramref name="inv"/> hold the translations it must see retired: those in the ATC overlapping
    /// its range, those of earlier unacknowledged invalidations in <paramref name="live"/> overlapping it
    /// (already out of the ATC but maybe still pinned or awaited by stragglers: this acknowledgement
    /// promises they are gone too), and those an access is still using that left the ATC without an
    /// invalidation (replaced by an overlapping update, or flushed by a reset or a fence: found by the
    /// fuzzer's shadow model).
    /// </summary>
    public void Hold(Invalidation inv, bool removeFromAtc, LinkedList<Invalidation> live)
    {
        _entryScratch.Clear();
        if (removeFromAtc && _exactInvalidation)
        {
            // Exactly the range. A translation the ledger already tracks (a stale entry an earlier dropped
            // invalidation left in the ATC) or one an access is using goes whole, so its Id keeps naming all
            // of it: an access in flight may touch any of it, and a capture has one acknowledgement time.
            _atc.InvalidateExact(inv.First, inv.Last, _entryScratch, static (ledger, id) => ledger._captures.ContainsKey(id) || ledger.IsPinned(id), this);
        }
        else if (removeFromAtc)
        {
            // Whole entries, as kernel vhost and DPDK do (traces recorded before exact invalidation replay so).
            _atc.RemoveInclusive(inv.First, inv.Last, _entryScratch);
        }
        else
        {
            _atc.CopyOverlapping(inv.First, inv.Last, _entryScratch);
        }

        foreach (var entry in _entryScratch)
        {
            if (!_captures.TryGetValue(entry.Id, out var capture))
            {
                capture = _pool.RentCapture().Reset(entry, inAtc: true);
                _captures.Add(entry.Id, capture);
            }

            capture.InAtc &= !removeFromAtc;
            AddHolder(capture, inv);
        }

        inv.CachedHeld = inv.Held.Count;

        foreach (var other in live)
        {
            if (other == inv || other.State == InvalidationState.Acked || other.HeldFirst > inv.Last || other.HeldLast < inv.First)
            {
                continue; // acked, or nothing it holds overlaps (the check below, per capture, would fail for each)
            }

            foreach (var capture in other.Held)
            {
                if (!capture.InAtc && capture.Entry.Overlaps(inv.First, inv.Last) && !capture.Holders.Contains(inv))
                {
                    AddHolder(capture, inv);
                }
            }
        }

        // Few: at most one per request in flight.
        foreach (var pin in _pins.Values)
        {
            var entry = pin.Entry;
            if (!entry.Overlaps(inv.First, inv.Last))
            {
                continue;
            }

            if (!_captures.TryGetValue(entry.Id, out var displaced))
            {
                displaced = _pool.RentCapture().Reset(entry, inAtc: false);
                _captures.Add(entry.Id, displaced);
            }

            if (!displaced.Holders.Contains(inv))
            {
                AddHolder(displaced, inv);
            }
        }
    }

    /// <summary>
    /// Whether an invalidation of [first, last] arriving now would capture a translation a straggler of
    /// <paramref name="spec"/> can use (always true for <see cref="StragglerTarget.Any"/>).
    /// </summary>
    public bool HasStragglerTarget(ulong first, ulong last, StragglerSpec spec)
    {
        if (spec.Target == StragglerTarget.Any)
        {
            return true;
        }

        _entryScratch.Clear();
        _atc.CopyOverlapping(first, last, _entryScratch);
        foreach (var entry in _entryScratch)
        {
            if (TryAim(entry, spec, out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The translations <paramref name="inv"/> found in the ATC that no acknowledgement has retired yet and
    /// that <paramref name="spec"/> targets, each with the IOVA a straggler accesses: the ones a straggler of
    /// it may use. Valid until the next call.
    /// </summary>
    public List<(Capture Capture, ulong Iova)> StragglerTargets(Invalidation inv, StragglerSpec spec)
    {
        // Not one inherited from an earlier invalidation: it is already gone from the ATC, and that
        // invalidation may be acknowledged before the straggler runs: a use-after-free the fence cannot
        // be blamed for (both found by fuzzing).
        _targetScratch.Clear();
        for (int i = 0; i < inv.CachedHeld; i++)
        {
            var capture = inv.Held[i];
            if (capture.AckedAt is null && TryAim(capture.Entry, spec, out var iova))
            {
                _targetScratch.Add((capture, iova));
            }
        }

        return _targetScratch;
    }

    private bool TryAim(in AtcEntry entry, StragglerSpec spec, out ulong iova)
    {
        iova = entry.Iova;
        if (spec.Target == StragglerTarget.Any)
        {
            return true;
        }

        return entry.Allows(spec.Kind) && _payloadUse.TryGetValue(entry.Id, out var use) && use.TryLast(spec.Kind, out iova);
    }

    /// <summary>A straggler was scheduled through <paramref name="capture"/>: its holders wait for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddStraggler(Capture capture)
    {
        if (capture.Stragglers++ == 0)
        {
            foreach (var holder in capture.Holders)
            {
                holder.StragglingHeld++;
            }
        }
    }

    /// <summary>A straggler through <paramref name="capture"/> ran or was cancelled.</summary>
    /// <returns>True when the last straggler through <paramref name="capture"/> is gone.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool RemoveStraggler(Capture capture)
    {
        if (--capture.Stragglers > 0)
        {
            return false;
        }

        foreach (var holder in capture.Holders)
        {
            holder.StragglingHeld--;
        }

        return true;
    }

    /// <summary>
    /// <paramref name="inv"/> was acknowledged at <paramref name="now"/>: from now on the guest may reuse
    /// these pages, so any later use of its translations is a use-after-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkAcknowledged(Invalidation inv, DateTimeOffset now)
    {
        foreach (var capture in inv.Held)
        {
            if (capture.AckedAt is null)
            {
                capture.AckedAt = now;
                capture.AckedBy = inv.RequestId;
            }
        }
    }

    /// <summary>A retired invalidation lets go of its translations; those nothing else holds are forgotten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseHeld(Invalidation inv)
    {
        foreach (var capture in inv.Held)
        {
            capture.Holders.Remove(inv);
            TryForget(capture);
        }
    }

    /// <summary>Forgets <paramref name="capture"/> once nothing can reference it; harmless when already forgotten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TryForget(Capture capture)
    {
        // Remove fails when it was already forgotten (callers may try a capture more than once).
        if (capture.Holders.Count == 0 && !capture.InAtc && capture.Stragglers == 0 && !IsPinned(capture.Entry.Id) &&
            _captures.Remove(capture.Entry.Id))
        {
            _payloadUse.Remove(capture.Entry.Id);
            _pool.Return(capture);
        }
    }

    private void AddHolder(Capture capture, Invalidation inv)
    {
        capture.Holders.Add(inv);
        inv.Held.Add(capture);
        if (capture.Entry.Size != 0)
        {
            inv.WidenHeldSpan(capture.Entry.Iova, capture.Entry.Last);
        }

        if (IsPinned(capture.Entry.Id))
        {
            inv.PinnedHeld++;
        }

        if (capture.Stragglers > 0)
        {
            inv.StragglingHeld++;
        }
    }

    private void ForgetRemovedFromAtc(List<AtcEntry> removed)
    {
        foreach (var entry in removed)
        {
            if (_captures.TryGetValue(entry.Id, out var capture))
            {
                capture.InAtc = false;
                TryForget(capture);
            }
            else
            {
                _payloadUse.Remove(entry.Id);
            }
        }
    }

    /// <summary>Where the device last moved payload through one translation, by direction (straggler targets).</summary>
    private struct PayloadUse
    {
        private ulong _lastRead;
        private ulong _lastWrite;
        private AccessKind _kinds;

        public void Record(AccessKind kind, ulong iova)
        {
            _kinds |= kind;
            if ((kind & AccessKind.Read) != 0)
            {
                _lastRead = iova;
            }

            if ((kind & AccessKind.Write) != 0)
            {
                _lastWrite = iova;
            }
        }

        public readonly bool TryLast(AccessKind kind, out ulong iova)
        {
            iova = kind == AccessKind.Write ? _lastWrite : _lastRead;
            return (_kinds & kind) == kind;
        }
    }
}
