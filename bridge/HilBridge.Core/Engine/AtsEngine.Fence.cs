namespace HilBridge.Core.Engine;

// Fencing and the recovery flow that ends it; the FenceController decides, the engine acts.
public sealed partial class AtsEngine
{
    /// <summary>
    /// Fences the device now from outside the engine: the control plane, or the guest's STE under
    /// guest-visible ATS (<paramref name="origin"/> says which). Fencing again during recovery restarts the recovery.
    /// </summary>
    public void Fence(string reason, FenceOrigin origin = FenceOrigin.Operator)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (!Enum.IsDefined(origin))
        {
            throw new ArgumentOutOfRangeException(nameof(origin), origin, "unknown fence origin");
        }

        Advance();
        FenceDevice(reason, origin);
        Settle();
    }

    /// <summary>Unfences the device now without the recovery flow (control plane); no-op when not fenced.</summary>
    public void Unfence(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        Advance();
        if (_fence.IsFenced)
        {
            UnfenceDevice(reason);
        }

        Settle();
    }

    /// <summary>
    /// The rings were stopped (GET_VRING_BASE / RESET): the guest reset the device. Like a function
    /// reset, it empties the ATC and cancels queued stragglers; after a fence it is recovery step 1.
    /// </summary>
    public void OnDeviceStopped()
    {
        Advance();
        _ledger.FlushAtc();
        CancelStragglers();
        _fence.OnDeviceStopped();
        Settle();
    }

    /// <summary>The rings started again after (re)initialisation; after a fence and a stop it is recovery step 2.</summary>
    public void OnDeviceStarted()
    {
        Advance();
        if (_fence.OnDeviceStarted())
        {
            Recover();
        }

        Settle();
    }

    /// <summary>
    /// CFGI_STE (or a CFGI_STE_RANGE covering <paramref name="streamId"/>) in the guest's SMMU command
    /// stream: the STE was rewritten, i.e. a fresh domain attach. Counts for recovery only for the
    /// device's StreamID, or for any StreamID when <see cref="EngineOptions.StreamId"/> is unknown.
    /// </summary>
    public void OnSteInvalidated(uint streamId)
    {
        Advance();
        if (_fence.OnSteInvalidated(streamId, _streamId))
        {
            Recover();
        }

        Settle();
    }

    /// <summary>
    /// Blocks translated requests, then lets every outstanding flush complete: the ATC is flushed and
    /// every pending invalidation is acknowledged as soon as accesses in flight through it have ended.
    /// </summary>
    private void FenceDevice(string reason, FenceOrigin origin)
    {
        _fence.Fence(reason, origin, _now);
        Counters.CountFence(origin);
        Emit(EngineEffect.FencedBy(_now, reason));

        _ledger.FlushAtc();
        foreach (var inv in _live)
        {
            if (inv.State == InvalidationState.Pending)
            {
                inv.State = InvalidationState.Forced;
            }
        }

        ProgressAllLive();
    }

    private void Recover()
    {
        var ste = _streamId is uint sid ? $"STE 0x{sid:x}" : "an STE";
        UnfenceDevice($"fresh attach: device reset and restarted, {ste} rewritten");
    }

    private void UnfenceDevice(string reason)
    {
        var recovery = _fence.Unfence(_now);
        Counters.Unfences++;
        Counters.LastRecoveryTime = recovery;
        Emit(EngineEffect.UnfencedBy(_now, reason, recovery));
    }
}
