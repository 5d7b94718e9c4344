using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Control.Events;

/// <summary>
/// What a device's event stream carries: an engine effect (the engine's witness), or a corruption the
/// guest found in its own memory (the guest's witness, <see cref="Finding"/> set).
/// </summary>
public readonly record struct DeviceEvent(EngineEffect Effect, GuestFinding? Finding = null, DateTimeOffset FoundAt = default)
{
    public static DeviceEvent From(GuestFinding finding, DateTimeOffset at) => new(default, finding, at);
}
