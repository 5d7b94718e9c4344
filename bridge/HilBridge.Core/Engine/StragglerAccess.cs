using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// A straggler ran: a late device access of <see cref="Bytes"/> at <see cref="Iova"/> through one captured
/// translation of invalidation <see cref="RequestId"/>. <see cref="Id"/> numbers the stragglers that ran
/// (1, 2, ...; the poison a write leaves in guest memory carries it) and <see cref="UserAddr"/> is where the
/// stale translation points (QEMU's address of the guest page), so the host can perform it. Traces from
/// before real straggler DMA have neither (both 0).
/// </summary>
public readonly record struct StragglerAccess(
    ulong RequestId,
    ulong Iova,
    ulong Bytes,
    AccessKind Kind,
    ulong EntryId,
    StragglerOutcome Outcome,
    ulong Id = 0,
    ulong UserAddr = 0)
{
    /// <summary>Whether the access reaches guest memory: everything but a refused one (a straggler before the acknowledgement is a legal DMA).</summary>
    public bool ReachesMemory => Outcome != StragglerOutcome.RefusedFenced;
}
