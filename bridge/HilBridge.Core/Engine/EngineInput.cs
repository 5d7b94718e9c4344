using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// One input to <see cref="AtsEngine"/> with the time it happened. The live host records exactly
/// these and replay applies them again on a virtual clock, so both run the same code on the same data.
/// Fields not used by a kind are zero: Id is the request id (invalidate), token id (end access) or
/// StreamID (STE, set stream id) or <see cref="FenceOrigin"/> (fence); Length is the access length.
/// </summary>
public readonly record struct EngineInput(
    EngineInputKind Kind,
    DateTimeOffset At,
    ulong Iova = 0,
    ulong Size = 0,
    ulong UserAddr = 0,
    AccessKind Access = AccessKind.None,
    DmaPurpose Purpose = DmaPurpose.Control,
    ulong Id = 0,
    string? Reason = null,
    FaultPolicy? Policy = null);
