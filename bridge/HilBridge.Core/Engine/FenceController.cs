using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// The fence: whether the device's requests are blocked, what a fenced device's access gets, and the
/// recovery flow (device stop, restart, STE rewrite) that ends it. It decides; <see cref="AtsEngine"/>
/// counts, emits the effects and settles the invalidations a fence forces.
/// </summary>
/// <remarks>No lock: it lives inside <see cref="AtsEngine"/>, whose calls the host serializes.</remarks>
internal sealed class FenceController
{
    public FenceController(FencePolicy policy, FenceMode mode)
    {
        Policy = policy;
        Mode = mode;
    }

    public FencePolicy Policy { get; }

    public FenceMode Mode { get; }

    // A field, not an auto-property: reading IsFenced on the hot path must not copy the whole state.
    private FenceState _state;

    public FenceState State => _state;

    public bool IsFenced => _state.IsFenced;

    /// <summary>Whether an invalidation without a positive completion in time fences (rather than hoping).</summary>
    public bool FencesOnFailure => Policy == FencePolicy.Fence;

    /// <summary>
    /// Whether a device access for <paramref name="purpose"/> is refused now: an abort fence refuses
    /// everything; a translated-only fence still lets control structures through untranslated.
    /// </summary>
    public bool Blocks(DmaPurpose purpose) => _state.IsFenced && (Mode == FenceMode.Abort || purpose == DmaPurpose.Payload);

    /// <summary>Whether a straggler is refused now: it is a translated request, which any fence blocks.</summary>
    public bool BlocksTranslated => _state.IsFenced;

    /// <summary>Fences at <paramref name="now"/>; fencing again during recovery restarts the recovery.</summary>
    public void Fence(string reason, FenceOrigin origin, DateTimeOffset now) => _state = FenceState.FencedAt(reason, origin, now);

    /// <summary>Lifts the fence; returns how long it lasted.</summary>
    public TimeSpan Unfence(DateTimeOffset now)
    {
        var recovery = now - _state.Since!.Value;
        _state = FenceState.Unfenced;
        return recovery;
    }

    /// <summary>Recovery step 1: the device was stopped (reset).</summary>
    public void OnDeviceStopped()
    {
        if (_state.IsFenced)
        {
            // A stop after a start means the device is down again: it must be restarted once more.
            _state = _state with { DeviceStopped = true, DeviceRestarted = false };
        }
    }

    /// <summary>Recovery step 2: the device started after the stop.</summary>
    /// <returns>True when this completed the recovery: the caller unfences.</returns>
    public bool OnDeviceStarted()
    {
        if (_state.IsFenced && _state.DeviceStopped)
        {
            _state = _state with { DeviceRestarted = true };
            return _state.RecoveryComplete;
        }

        return false;
    }

    /// <summary>
    /// Recovery step 3: the STE of <paramref name="streamId"/> was rewritten. Counts only for the device's
    /// StreamID, or for any when <paramref name="deviceStreamId"/> is unknown.
    /// </summary>
    /// <returns>True when this completed the recovery: the caller unfences.</returns>
    public bool OnSteInvalidated(uint streamId, uint? deviceStreamId)
    {
        if (_state.IsFenced && (deviceStreamId is null || deviceStreamId == streamId))
        {
            _state = _state with { SteInvalidated = true };
            return _state.RecoveryComplete;
        }

        return false;
    }
}
