using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

// IOTLB invalidations: arrival, the device's (faulty) completion, timeouts and acknowledgements.
public sealed partial class AtsEngine
{
    /// <summary>
    /// QEMU's IOTLB INVALIDATE of [iova, iova + size). A size running past 2^64 means "to the end", and so
    /// does size 0: QEMU sends addr_mask + 1, which wraps to 0 for a whole-address-space unmap. The
    /// translations are withdrawn from new lookups at once; the reply to QEMU comes later as an
    /// <see cref="EffectKind.AckInvalidation"/> effect (within this call if nothing delays it).
    /// </summary>
    public void OnIotlbInvalidate(ulong requestId, ulong iova, ulong size)
    {
        Advance();
        Counters.Invalidations++;
        var inv = _pool.RentInvalidation().Reset(requestId, iova, AddressMath.InvalidationLast(iova, size), _now, After(_timeout));
        _live.AddLast(inv.LiveNode);
        _timeouts.AddLast(inv.TimeoutNode);
        _nothingDueBefore = Math.Min(_nothingDueBefore, inv.TimeoutAt.UtcTicks);
        _unacked++;

        if (_fence.IsFenced)
        {
            // A fenced device's ATC is out of the loop (a recovering kernel would not even send it an
            // ATC_INV): only the fresh translations cached since the fence matter, and the flush may
            // complete as soon as accesses in flight through them have ended. No fault policy applies.
            _ledger.Hold(inv, removeFromAtc: true, _live);
            inv.State = InvalidationState.Forced;
        }
        else
        {
            Arrive(inv, _selector.Decide(_streamId, inv.First, inv.Last, _now - _start, _ledger));
        }

        TryProgress(inv);
        Settle();
    }

    private void Arrive(Invalidation inv, FaultDecision decision)
    {
        var outcome = decision.Outcome;
        inv.Outcome = outcome;

        // A device that lost the request keeps using the translations, so they stay in its ATC.
        _ledger.Hold(inv, removeFromAtc: outcome != FaultOutcome.Drop, _live);
        var delay = decision.Delay;
        if (decision.Stragglers is { Count: > 0 } stragglers)
        {
            ScheduleStragglers(inv, stragglers);
        }

        switch (outcome)
        {
            case FaultOutcome.Complete when delay == TimeSpan.Zero:
                inv.DeviceDone = true;
                break;
            case FaultOutcome.Complete:
                ScheduleDeviceAnswer(inv, TimerKind.DeviceDone, delay);
                break;
            case FaultOutcome.Drop:
                Counters.InvalidationsDropped++;
                break;
            case FaultOutcome.Refuse when delay == TimeSpan.Zero:
                OnNegativeCompletion(inv);
                break;
            case FaultOutcome.Refuse:
                ScheduleDeviceAnswer(inv, TimerKind.Refusal, delay);
                break;
        }
    }

    private void ScheduleDeviceAnswer(Invalidation inv, TimerKind kind, TimeSpan delay)
    {
        // Counted whether or not the answer beats the timeout: it shows a scenario's delays were injected.
        Counters.InvalidationsDelayed++;
        // An answer after the timeout can never matter: the timeout will have settled the request.
        var at = After(delay);
        if (at <= inv.TimeoutAt)
        {
            Schedule(at, new TimerItem(kind, inv, inv.Generation, null, default, 0));
        }
    }

    /// <summary>Completes, acknowledges or retires <paramref name="inv"/> if nothing holds it back any more.</summary>
    private void TryProgress(Invalidation inv)
    {
        if (inv.State == InvalidationState.Pending && inv.DeviceDone && inv.IsIdle)
        {
            Ack(inv, 0);
        }
        else if (inv.State == InvalidationState.Forced && inv.PinnedHeld == 0)
        {
            // Fenced: pending stragglers will be refused, so only DMA already in flight must drain
            // (as CMD_SYNC after an STE update waits for transactions using the old configuration).
            Ack(inv, 0);
        }

        if (inv.State == InvalidationState.Acked && inv.IsIdle && inv.IsLive)
        {
            Retire(inv);
        }
    }

    private void ProgressHolders(Capture capture)
    {
        // Progress may retire holders, which edits capture.Holders: iterate a copy.
        _holderScratch.Clear();
        _holderScratch.AddRange(capture.Holders);
        foreach (var holder in _holderScratch)
        {
            TryProgress(holder);
        }

        _holderScratch.Clear();
    }

    private void ProgressAllLive()
    {
        // Acknowledge in arrival order (not heap order), so the effects stay deterministic and readable.
        _liveScratch.Clear();
        _liveScratch.AddRange(_live);
        foreach (var inv in _liveScratch)
        {
            TryProgress(inv);
        }

        _liveScratch.Clear();
    }

    private void Ack(Invalidation inv, ulong status)
    {
        inv.State = InvalidationState.Acked;
        _unacked--;
        DisarmTimeout(inv);

        // From now on the guest may reuse these pages: any later use of the translations is a UAF.
        _ledger.MarkAcknowledged(inv, _now);

        Counters.InvalidationsAcked++;
        if (status != 0)
        {
            Counters.InvalidationsRefused++;
        }

        var latency = _now - inv.ArrivedAt;
        Counters.RecordAckLatency(latency);
        Emit(EngineEffect.Ack(_now, inv.RequestId, status, latency));
    }

    /// <summary>Forgets an acknowledged invalidation once no access or straggler can reference its translations.</summary>
    private void Retire(Invalidation inv)
    {
        _live.Remove(inv.LiveNode);
        _ledger.ReleaseHeld(inv);
        _pool.Return(inv);
    }

    private void DisarmTimeout(Invalidation inv)
    {
        if (inv.TimeoutNode.List is not null)
        {
            _timeouts.Remove(inv.TimeoutNode);
        }
    }

    private void OnTimeout(Invalidation inv)
    {
        DisarmTimeout(inv);
        Counters.InvalidationsTimedOut++;
        Emit(EngineEffect.TimedOut(_now, inv.RequestId));

        // Forced: already fenced but an access has been in flight for a whole timeout. QEMU stalls a vCPU
        // (holding its big lock) until we answer, so answer; EndAccess will report the access as a UAF.
        if (inv.State == InvalidationState.Forced || !_fence.FencesOnFailure)
        {
            Ack(inv, 0);
            TryProgress(inv);
        }
        else
        {
            FenceDevice($"ATC invalidation {inv.RequestId} timed out after {_timeout.TotalMilliseconds:0.###} ms", FenceOrigin.Bridge);
        }
    }

    /// <summary>The device answered negatively: a non-positive response, handled at once like a timeout.</summary>
    private void OnNegativeCompletion(Invalidation inv)
    {
        Counters.NegativeCompletions++;
        if (!_fence.FencesOnFailure)
        {
            Ack(inv, _refusedStatus);
            TryProgress(inv);
        }
        else
        {
            FenceDevice($"ATC invalidation {inv.RequestId} refused by the device", FenceOrigin.Bridge);
        }
    }
}
