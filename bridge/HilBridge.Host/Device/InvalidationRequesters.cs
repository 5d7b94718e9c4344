namespace HilBridge.Host.Device;

/// <summary>
/// Who asked for an engine invalidation, encoded in its request id so the engine's AckInvalidation
/// goes back to the right requester: QEMU's vhost-user IOTLB INVALIDATE (<see cref="InvalidationReplies"/>,
/// ids counting up from 1) or the SMMU's ATS port (ids with the top bit set, completed by the
/// AtsPort endpoint through <see cref="VhostBlkBridge.EffectObserved"/>). The engine treats ids as opaque.
/// </summary>
public static class InvalidationRequesters
{
    public const ulong AtsPortBit = 1UL << 63;

    public static bool IsAtsPort(ulong requestId) => (requestId & AtsPortBit) != 0;

    /// <summary>The request id of the ATS port's invalidation number <paramref name="sequence"/>.</summary>
    public static ulong AtsPortId(ulong sequence) => AtsPortBit | (sequence & ~AtsPortBit);
}
