namespace HilBridge.Core.Engine;

/// <summary>
/// Whether the device is fenced and, if so, why and by whom, since when, and how far the recovery flow has come.
/// Unfencing needs all three recovery steps after the fence: a device stop (reset), a start after that
/// stop, and a STE invalidation for the device's StreamID (the fresh domain attach).
/// </summary>
public readonly record struct FenceState(
    bool IsFenced,
    string? Reason,
    DateTimeOffset? Since,
    bool DeviceStopped,
    bool DeviceRestarted,
    bool SteInvalidated,
    FenceOrigin Origin = FenceOrigin.Operator)
{
    public static FenceState Unfenced => default;

    internal static FenceState FencedAt(string reason, FenceOrigin origin, DateTimeOffset at) => new(true, reason, at, false, false, false, origin);

    internal bool RecoveryComplete => IsFenced && DeviceStopped && DeviceRestarted && SteInvalidated;
}
