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
        if (_ledger.TryCache(iova, size, uaddr, perm))
        {
            Counters.AtcUpdates++;
            Counters.AtcEvictions = _ledger.AtcEvictions;
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
        if (_fence.Blocks(purpose))
        {
            Counters.RefusedAccesses++;
            result = AccessResult.Fenced;
        }
        else if (!_ledger.TryLookup(iova, out var hit))
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
            if (_ledger.TryFindUseAfterFree(hit.Id, out var dead))
            {
                Counters.StaleHits++;
                ReportViolation(dead, ViolationSource.DeviceAccess, iova, length, kind);
                reported = true;
            }

            token = _ledger.Pin(hit, iova, length, kind, purpose, reported);
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
        if (_ledger.TryUnpin(token, out var pin))
        {
            if (!pin.ViolationReported && _ledger.TryFindUseAfterFree(pin.Entry.Id, out var dead))
            {
                ReportViolation(dead, ViolationSource.DeviceAccess, pin.Iova, pin.Bytes, pin.Kind);
            }

            if (_ledger.ReleasePin(pin) is Capture unpinned)
            {
                ProgressHolders(unpinned);
                _ledger.TryForget(unpinned);
            }
        }

        Settle();
    }

    private void ReportViolation(Capture dead, ViolationSource source, ulong iova, ulong bytes, AccessKind kind)
    {
        Counters.Violations++;
        Emit(EngineEffect.Uaf(_now, TranslationLedger.Violation(dead, _streamId, source, iova, bytes, kind, _now)));
    }
}
