namespace HilBridge.Core.Engine;

// Stragglers: late device accesses through translations an invalidation captured.
public sealed partial class AtsEngine
{
    private void ScheduleStragglers(Invalidation inv, StragglerSpec spec)
    {
        // Only translations the device still had cached when the request arrived, and that no
        // acknowledgement has retired yet. One inherited from an earlier invalidation is already gone
        // from the ATC, and that invalidation may be acknowledged before the straggler runs: a
        // use-after-free the fence cannot be blamed for (both found by fuzzing).
        _captureScratch.Clear();
        for (int i = 0; i < inv.CachedHeld; i++)
        {
            var capture = inv.Held[i];
            if (capture.AckedAt is null)
            {
                _captureScratch.Add(capture);
            }
        }

        int held = _captureScratch.Count;
        if (held == 0)
        {
            return; // nothing captured, nothing to access through
        }

        for (int i = 0; i < spec.Count; i++)
        {
            var capture = _captureScratch[i % held];
            var at = After(spec.Delay.Sample(_random));
            ulong bytes = Math.Min(spec.Bytes, capture.Entry.BytesFrom(capture.Entry.Iova));
            AddStraggler(capture);
            Schedule(at, new TimerItem(TimerKind.Straggler, inv, inv.Generation, capture, spec.Kind, bytes));
        }
    }

    private void RunStraggler(TimerItem item)
    {
        var capture = item.Capture!;
        Counters.StragglersIssued++;

        // A straggler is a translated request: any fence (either mode) blocks it, and a blocked
        // request is never a violation. Otherwise it is legal only until the acknowledgement.
        StragglerOutcome outcome;
        if (_fence.IsFenced)
        {
            Counters.StragglersRefused++;
            outcome = StragglerOutcome.RefusedFenced;
        }
        else
        {
            outcome = capture.AckedAt is null ? StragglerOutcome.Allowed : StragglerOutcome.Violation;
        }

        var entry = capture.Entry;
        Emit(EngineEffect.StragglerRan(_now, new StragglerAccess(
            item.Invalidation.RequestId, entry.Iova, item.StragglerBytes, item.StragglerKind, entry.Id, outcome)));
        if (outcome == StragglerOutcome.Violation)
        {
            ReportViolation(ViolationSource.Straggler, entry.Iova, item.StragglerBytes, item.StragglerKind, capture, capture.AckedAt!.Value);
        }

        if (RemoveStraggler(capture))
        {
            ProgressHolders(capture);
        }

        TryForget(capture);
    }

    private void AddStraggler(Capture capture)
    {
        if (capture.Stragglers++ == 0)
        {
            foreach (var holder in capture.Holders)
            {
                holder.StragglingHeld++;
            }
        }
    }

    /// <returns>True when the last straggler through <paramref name="capture"/> is gone.</returns>
    private bool RemoveStraggler(Capture capture)
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

    /// <summary>A device reset kills whatever the device still had queued: drop every scheduled straggler.</summary>
    private void CancelStragglers()
    {
        var kept = new List<(TimerItem Item, TimerKey Key)>(_timers.Count);
        var touched = new List<Capture>();
        foreach (var (item, key) in _timers.UnorderedItems)
        {
            if (item.Kind == TimerKind.Straggler)
            {
                Counters.StragglersCancelled++;
                RemoveStraggler(item.Capture!);
                touched.Add(item.Capture!);
            }
            else
            {
                kept.Add((item, key));
            }
        }

        if (touched.Count == 0)
        {
            return;
        }

        _timers.Clear();
        foreach (var (item, key) in kept)
        {
            _timers.Enqueue(item, key);
        }

        // Acknowledge in arrival order (not heap order), so the effects stay deterministic and readable.
        ProgressAllLive();
        foreach (var capture in touched)
        {
            TryForget(capture);
        }
    }

    private void ProgressAllLive()
    {
        _liveScratch.Clear();
        _liveScratch.AddRange(_live);
        foreach (var inv in _liveScratch)
        {
            TryProgress(inv);
        }

        _liveScratch.Clear();
    }
}
