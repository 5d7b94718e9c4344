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
        _unacked++;

        if (_fence.IsFenced)
        {
            // A fenced device's ATC is out of the loop (a recovering kernel would not even send it an
            // ATC_INV): only the fresh translations cached since the fence matter, and the flush may
            // complete as soon as accesses in flight through them have ended. No fault policy applies.
            Hold(inv, removeFromAtc: true);
            inv.State = InvalidationState.Forced;
        }
        else
        {
            Arrive(inv, Decide(inv.First, inv.Last));
        }

        TryProgress(inv);
        Settle();
    }

    private void Arrive(Invalidation inv, FaultRule? rule)
    {
        var outcome = rule?.Outcome ?? FaultOutcome.Complete;
        inv.Outcome = outcome;

        // A device that lost the request keeps using the translations, so they stay in its ATC.
        Hold(inv, removeFromAtc: outcome != FaultOutcome.Drop);
        var delay = rule is null || outcome == FaultOutcome.Drop ? TimeSpan.Zero : rule.Delay.Sample(_random);
        if (rule?.Stragglers is { Count: > 0 } stragglers)
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

    /// <summary>The first rule whose scope matches and whose selection passes; null means "complete at once".</summary>
    private FaultRule? Decide(ulong first, ulong last)
    {
        var rules = _policy.Rules;
        var sinceStart = _now - _start;
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!rule.ScopeMatches(_streamId, first, last, sinceStart))
            {
                continue;
            }

            long matches = ++_ruleMatches[i];
            if (rule.EveryNth is int n && matches % n != 0)
            {
                continue;
            }

            if (rule.Limit is int limit && _ruleApplied[i] >= limit)
            {
                continue;
            }

            // Drawn only when a probability is set, after EveryNth: the stream position depends on inputs alone.
            if (rule.Probability is double p && !(_random.NextDouble() < p))
            {
                continue;
            }

            _ruleApplied[i]++;
            return rule;
        }

        return null;
    }

    private void ScheduleDeviceAnswer(Invalidation inv, TimerKind kind, TimeSpan delay)
    {
        // An answer after the timeout can never matter: the timeout will have settled the request.
        var at = After(delay);
        if (at <= inv.TimeoutAt)
        {
            Schedule(at, new TimerItem(kind, inv, inv.Generation, null, default, 0));
        }
    }

    /// <summary>
    /// Makes <paramref name="inv"/> hold the translations it must see retired: those in the ATC overlapping
    /// its range, and those of earlier unacknowledged invalidations overlapping it (already out of the ATC
    /// but maybe still pinned or awaited by stragglers: this acknowledgement promises they are gone too).
    /// </summary>
    private void Hold(Invalidation inv, bool removeFromAtc)
    {
        _entryScratch.Clear();
        if (removeFromAtc)
        {
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

        foreach (var other in _live)
        {
            if (other == inv || other.State == InvalidationState.Acked)
            {
                continue;
            }

            foreach (var capture in other.Held)
            {
                if (!capture.InAtc && capture.Entry.Overlaps(inv.First, inv.Last) && !capture.Holders.Contains(inv))
                {
                    AddHolder(capture, inv);
                }
            }
        }
    }

    private void AddHolder(Capture capture, Invalidation inv)
    {
        capture.Holders.Add(inv);
        inv.Held.Add(capture);
        if (IsPinned(capture.Entry.Id))
        {
            inv.PinnedHeld++;
        }

        if (capture.Stragglers > 0)
        {
            inv.StragglingHeld++;
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

    private void Ack(Invalidation inv, ulong status)
    {
        inv.State = InvalidationState.Acked;
        _unacked--;
        DisarmTimeout(inv);

        // From now on the guest may reuse these pages: any later use of the translations is a UAF.
        foreach (var capture in inv.Held)
        {
            if (capture.AckedAt is null)
            {
                capture.AckedAt = _now;
                capture.AckedBy = inv.RequestId;
            }
        }

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
        foreach (var capture in inv.Held)
        {
            capture.Holders.Remove(inv);
            TryForget(capture);
        }

        _pool.Return(inv);
    }

    private void TryForget(Capture capture)
    {
        // Remove fails when it was already forgotten (callers may try a capture more than once).
        if (capture.Holders.Count == 0 && !capture.InAtc && capture.Stragglers == 0 && !IsPinned(capture.Entry.Id) &&
            _captures.Remove(capture.Entry.Id))
        {
            _pool.Return(capture);
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
        }
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
        if (inv.State == InvalidationState.Forced || _fencePolicy == FencePolicy.Hope)
        {
            Ack(inv, 0);
            TryProgress(inv);
        }
        else
        {
            FenceDevice($"ATC invalidation {inv.RequestId} timed out after {_timeout.TotalMilliseconds:0.###} ms");
        }
    }

    /// <summary>The device answered negatively: a non-positive response, handled at once like a timeout.</summary>
    private void OnNegativeCompletion(Invalidation inv)
    {
        Counters.NegativeCompletions++;
        if (_fencePolicy == FencePolicy.Hope)
        {
            Ack(inv, _refusedStatus);
            TryProgress(inv);
        }
        else
        {
            FenceDevice($"ATC invalidation {inv.RequestId} refused by the device");
        }
    }
}
