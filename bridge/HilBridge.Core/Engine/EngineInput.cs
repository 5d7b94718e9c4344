using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>
/// One input to <see cref="AtsEngine"/> with the time it happened. The live host records exactly
/// these and replay applies them again on a virtual clock, so both run the same code on the same data.
/// Fields not used by a kind are zero: Id is the request id (invalidate), token id (end access) or
/// StreamID (STE, set stream id); Length is the access length.
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
    FaultPolicy? Policy = null)
{
    /// <summary>Applies the input to the engine (whose clock must read <see cref="At"/>); BeginAccess returns its result.</summary>
    public AccessResult? ApplyTo(AtsEngine engine)
    {
        switch (Kind)
        {
            case EngineInputKind.IotlbUpdate: engine.OnIotlbUpdate(Iova, Size, UserAddr, Access); break;
            case EngineInputKind.IotlbInvalidate: engine.OnIotlbInvalidate(Id, Iova, Size); break;
            case EngineInputKind.BeginAccess: return engine.BeginAccess(Iova, Size, Access, Purpose, out _, out _);
            case EngineInputKind.EndAccess: engine.EndAccess(new AccessToken(Id)); break;
            case EngineInputKind.DeviceStopped: engine.OnDeviceStopped(); break;
            case EngineInputKind.DeviceStarted: engine.OnDeviceStarted(); break;
            case EngineInputKind.SteInvalidated: engine.OnSteInvalidated((uint)Id); break;
            case EngineInputKind.Timer: engine.OnTimer(); break;
            case EngineInputKind.Fence: engine.Fence(Reason ?? "manual"); break;
            case EngineInputKind.Unfence: engine.Unfence(Reason ?? "manual"); break;
            case EngineInputKind.SetPolicy: engine.SetPolicy(Policy ?? FaultPolicy.None); break;
            case EngineInputKind.SetStreamId: engine.SetStreamId((uint)Id); break;
            default: throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown engine input");
        }
        return null;
    }
}
