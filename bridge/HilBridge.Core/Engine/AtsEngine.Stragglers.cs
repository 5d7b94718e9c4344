namespace HilBridge.Core.Engine;

// Stragglers: late device accesses through translations an invalidation captured.
public sealed partial class AtsEngine
{
    private void ScheduleStragglers(Invalidation inv, StragglerSpec spec)
    {
        var targets = _ledger.StragglerTargets(inv, spec);
        int held = targets.Count;
        if (held == 0)
        {
            return; // nothing captured, nothing to access through
        }

        for (int i = 0; i < spec.Count; i++)
        {
            var (capture, iova) = targets[i % held];
            var at = After(_selector.StragglerDelay(spec));
            ulong bytes = Math.Min(spec.Bytes, capture.Entry.BytesFrom(iova));
            _ledger.AddStraggler(capture);
            Schedule(at, new TimerItem(TimerKind.Straggler, inv, inv.Generation, capture, spec.Kind, bytes, iova));
        }
    }

    private void RunStraggler(TimerItem item)
    {
        var capture = item.Capture!;
        ulong id = (ulong)++Counters.StragglersIssued;

        // A straggler is a translated request: any fence (either mode) blocks it, and a blocked
        // request is never a violation. Otherwise it is legal only until the acknowledgement.
        StragglerOutcome outcome;
        if (_fence.BlocksTranslated)
        {
            Counters.StragglersRefused++;
            outcome = StragglerOutcome.RefusedFenced;
        }
        else
        {
            outcome = TranslationLedger.IsUseAfterFree(capture) ? StragglerOutcome.Violation : StragglerOutcome.Allowed;
        }

        var entry = capture.Entry;
        var iova = item.StragglerIova;
        Emit(EngineEffect.StragglerRan(_now, new StragglerAccess(
            item.Invalidation.RequestId, iova, item.StragglerBytes, item.StragglerKind, entry.Id, outcome, id, entry.Translate(iova))));
        if (outcome == StragglerOutcome.Violation)
        {
            ReportViolation(capture, ViolationSource.Straggler, iova, item.StragglerBytes, item.StragglerKind);
        }

        if (_ledger.RemoveStraggler(capture))
        {
            ProgressHolders(capture);
        }

        _ledger.TryForget(capture);
    }

    /// <summary>A device reset kills whatever the device still had queued: drop every scheduled straggler.</summary>
    private void CancelStragglers()
    {
        var cancelled = _timers.RemoveStragglers();
        if (cancelled.Count == 0)
        {
            return;
        }

        foreach (var capture in cancelled)
        {
            Counters.StragglersCancelled++;
            _ledger.RemoveStraggler(capture);
        }

        ProgressAllLive();
        foreach (var capture in cancelled)
        {
            _ledger.TryForget(capture);
        }
    }
}
