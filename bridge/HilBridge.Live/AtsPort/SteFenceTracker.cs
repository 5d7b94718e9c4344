using System.Globalization;

using HilBridge.Core.Engine;

namespace HilBridge.Live.AtsPort;

/// <summary>What the SMMU's STE report means for the device's engine.</summary>
internal readonly record struct SteDecision(SteAction Action, string? Reason, FenceOrigin Origin = FenceOrigin.Operator)
{
    public static SteDecision None => default;
}

internal enum SteAction
{
    None,
    /// <summary>The guest blocked translated requests of a device that had them: fence the engine.</summary>
    Fence,
    /// <summary>The guest accepts translated requests again after an STE fence (a fresh attach): unfence.</summary>
    Unfence,
}

/// <summary>
/// Enforces what the SMMU decides about translated requests: the guest's STE for the device's
/// StreamID. A device is fenced only when its STE goes from accepting translated requests
/// (config translate, EATS != 0) to refusing them (EATS 0, abort, bypass or invalid): before the
/// first attach the STE refuses them too, and that is no fence (the device is not running yet;
/// Linux writes an abort STE with EATS set before the translating one at every attach). Only a
/// fence made here is lifted here, by the next STE that accepts translated requests again.
/// </summary>
internal sealed class SteFenceTracker
{
    private readonly Dictionary<uint, bool> _accepting = [];
    private bool _fencedBySte;

    public bool FencedBySte => _fencedBySte;

    /// <param name="ste">The SMMU's report.</param>
    /// <param name="deviceStreamId">The device's StreamID, or null while it is unknown (reports are only remembered).</param>
    /// <param name="engineFenced">Whether the engine is fenced already (by its own policy): then no second fence.</param>
    public SteDecision Apply(in SteState ste, uint? deviceStreamId, bool engineFenced)
    {
        var accepted = _accepting.TryGetValue(ste.StreamId, out var was) && was;
        _accepting[ste.StreamId] = ste.TranslatedAllowed;
        if (deviceStreamId != ste.StreamId)
        {
            return SteDecision.None;
        }

        var sid = ste.StreamId.ToString("x", CultureInfo.InvariantCulture);
        if (!ste.TranslatedAllowed && accepted && !engineFenced && !_fencedBySte)
        {
            _fencedBySte = true;
            // A translating STE that refuses translated requests is a quarantine (EATS cleared); any
            // other config parks the device (Linux's blocking domain around a reset, or a detach).
            var origin = ste.Config == SteConfig.Translate ? FenceOrigin.GuestQuarantine : FenceOrigin.GuestBlock;
            var what = origin == FenceOrigin.GuestQuarantine ? "quarantine" : "block";
            return new SteDecision(SteAction.Fence, $"STE 0x{sid} refuses translated requests (guest {what}: config {ste.Config}, EATS {ste.Eats})", origin);
        }
        if (ste.TranslatedAllowed && _fencedBySte)
        {
            _fencedBySte = false;
            return new SteDecision(SteAction.Unfence, $"STE 0x{sid} accepts translated requests again (fresh attach)");
        }
        return SteDecision.None;
    }
}
