using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

// Device accesses and the IOTLB updates that feed the ATC.
public sealed partial class AtsEngine
{
    /// <summary>QEMU's IOTLB UPDATE (the answer to a miss): caches the translation; overlapped entries are replaced.</summary>
    public void OnIotlbUpdate(ulong iova, ulong size, ulong uaddr, AccessKind perm)
    {
        Advance();
        _entryScratch.Clear();
        if (_atc.TryInsert(iova, size, uaddr, perm, out _, _entryScratch))
        {
            Counters.AtcUpdates++;
            Counters.AtcEvictions = _atc.Evictions;
            ForgetRemovedFromAtc(_entryScratch);
        }
        else
        {
            Counters.AtcUpdatesRejected++;
        }

        Settle();
    }

    /// <inheritdoc cref="BeginAccess(ulong, ulong, AccessKind, DmaPurpose, out AtcEntry, out AccessToken)"/>
    public AccessResult BeginAccess(ulong iova, AccessKind kind, DmaPurpose purpose, out AtcEntry entry, out AccessToken token) =>
        BeginAccess(iova, 0, kind, purpose, out entry, out token);

    /// <summary>
    /// Translates one device access starting at <paramref name="iova"/>. On <see cref="AccessResult.Hit"/>
    /// the entry stays pinned until <see cref="EndAccess"/>: an invalidation of it will not complete while
    /// the DMA is in flight. The host splits accesses at entry boundaries (<see cref="AtcEntry.BytesFrom"/>).
    /// A hit on a translation whose invalidation was already acknowledged still returns Hit (today's
    /// hardware really uses it) and reports a violation. <paramref name="length"/> (0 = unknown) is only
    /// reported in violations.
    /// </summary>
    public AccessResult BeginAccess(ulong iova, ulong length, AccessKind kind, DmaPurpose purpose, out AtcEntry entry, out AccessToken token)
    {
        if (kind is not (AccessKind.Read or AccessKind.Write or AccessKind.ReadWrite))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "An access reads, writes, or both.");
        }

        Advance();
        entry = default;
        token = default;
        AccessResult result;
        if (IsBlocked(purpose))
        {
            Counters.RefusedAccesses++;
            result = AccessResult.Fenced;
        }
        else if (!_atc.TryLookup(iova, out var hit))
        {
            Counters.AtcMisses++;
            result = AccessResult.Miss;
        }
        else if (!hit.Allows(kind))
        {
            Counters.PermissionDenials++;
            entry = hit;
            result = AccessResult.PermissionDenied;
        }
        else
        {
            Counters.AtcHits++;
            bool reported = false;
            if (_captures.TryGetValue(hit.Id, out var capture) && capture.AckedAt is DateTimeOffset ackedAt)
            {
                Counters.StaleHits++;
                ReportViolation(ViolationSource.DeviceAccess, iova, length, kind, capture, ackedAt);
                reported = true;
            }

            token = new AccessToken(++_lastToken);
            _pins.Add(token.Id, new Pin(hit, iova, length, kind, purpose, reported));
            AddPin(hit.Id);
            entry = hit;
            result = AccessResult.Hit;
        }

        Settle();
        return result;
    }

    /// <summary>
    /// Ends the access, unpinning its translation; invalidations waiting for it may complete now. An access
    /// still in flight when its translation's invalidation was acknowledged (Hope after a timeout) is a
    /// violation, reported here. Unknown or default tokens are ignored.
    /// </summary>
    public void EndAccess(AccessToken token)
    {
        Advance();
        if (_pins.Remove(token.Id, out var pin))
        {
            if (!pin.ViolationReported && _captures.TryGetValue(pin.Entry.Id, out var capture) && capture.AckedAt is DateTimeOffset ackedAt)
            {
                ReportViolation(ViolationSource.DeviceAccess, pin.Iova, pin.Bytes, pin.Kind, capture, ackedAt);
            }

            RemovePin(pin.Entry.Id);
        }

        Settle();
    }

    private bool IsBlocked(DmaPurpose purpose) =>
        _fence.IsFenced && (_fenceMode == FenceMode.Abort || purpose == DmaPurpose.Payload);

    private void ReportViolation(ViolationSource source, ulong iova, ulong bytes, AccessKind kind, Capture capture, DateTimeOffset ackedAt)
    {
        Counters.Violations++;
        Emit(EngineEffect.Uaf(_now, new UafViolation(
            _streamId, iova, bytes, kind, capture.Entry.Id, _now - ackedAt, source, capture.AckedBy)));
    }

    private void AddPin(ulong entryId)
    {
        ref int count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_pinsPerEntry, entryId, out _);
        if (count++ == 0 && _captures.TryGetValue(entryId, out var capture))
        {
            foreach (var holder in capture.Holders)
            {
                holder.PinnedHeld++;
            }
        }
    }

    private void RemovePin(ulong entryId)
    {
        ref int count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_pinsPerEntry, entryId);
        if (--count > 0)
        {
            return;
        }

        _pinsPerEntry.Remove(entryId);
        if (_captures.TryGetValue(entryId, out var capture))
        {
            foreach (var holder in capture.Holders)
            {
                holder.PinnedHeld--;
            }

            ProgressHolders(capture);
            TryForget(capture);
        }
    }

    private bool IsPinned(ulong entryId) => _pinsPerEntry.ContainsKey(entryId);
}
