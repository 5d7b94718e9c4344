using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>A straggler ran: a late device access through one captured translation of invalidation <see cref="RequestId"/>.</summary>
public readonly record struct StragglerAccess(
    ulong RequestId,
    ulong Iova,
    ulong Bytes,
    AccessKind Kind,
    ulong EntryId,
    StragglerOutcome Outcome);
