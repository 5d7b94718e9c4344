namespace HilBridge.Core.Engine;

/// <summary>Every way the outside world changes the engine; append-only (trace files store the numbers).</summary>
public enum EngineInputKind : byte
{
    IotlbUpdate = 1,
    IotlbInvalidate = 2,
    BeginAccess = 3,
    EndAccess = 4,
    DeviceStopped = 5,
    DeviceStarted = 6,
    SteInvalidated = 7,
    Timer = 8,
    Fence = 9,
    Unfence = 10,
    SetPolicy = 11,
    SetStreamId = 12,
}
