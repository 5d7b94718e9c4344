using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// A DMA through a translation whose invalidation had already been acknowledged to QEMU: the guest may
/// have reused the page. <see cref="Bytes"/> is 0 when the access length was not given.
/// <see cref="RequestId"/> is the invalidation whose acknowledgement made the translation dead.
/// </summary>
public readonly record struct UafViolation(
    uint? StreamId,
    ulong Iova,
    ulong Bytes,
    AccessKind Kind,
    ulong EntryId,
    TimeSpan TimeSinceAck,
    ViolationSource Source,
    ulong RequestId);
