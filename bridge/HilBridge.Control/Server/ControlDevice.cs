using HilBridge.Control.Events;
using HilBridge.Live.Device;

namespace HilBridge.Control.Server;

/// <summary>One device the control plane serves: its name in requests, the bridge, and its event fan-out.</summary>
public sealed class ControlDevice : IDisposable
{
    public ControlDevice(string name, VhostBlkBridge bridge, TimeSpan invalidationTimeout)
    {
        Name = name;
        Bridge = bridge;
        InvalidationTimeout = invalidationTimeout;
        Events = new EffectBroadcaster(bridge);
    }

    public string Name { get; }

    public VhostBlkBridge Bridge { get; }

    /// <summary>Fixed at engine construction; the engine does not expose it, so the run passes it in.</summary>
    public TimeSpan InvalidationTimeout { get; }

    public EffectBroadcaster Events { get; }

    public void Dispose() => Events.Dispose();
}
