using HilBridge.Control.Events;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Scenarios;

namespace HilBridge.Control.Server;

/// <summary>One device the control plane serves: its name in requests, the bridge, and its event fan-out.</summary>
public sealed class ControlDevice : IDisposable
{
    public ControlDevice(string name, VhostBlkBridge bridge, TimeSpan invalidationTimeout)
    {
        Name = name;
        Bridge = bridge;
        InvalidationTimeout = invalidationTimeout;
        Events = new EventBroadcaster(bridge);
    }

    public string Name { get; }

    public VhostBlkBridge Bridge { get; }

    /// <summary>Fixed at engine construction; the engine does not expose it, so the run passes it in.</summary>
    public TimeSpan InvalidationTimeout { get; }

    public EventBroadcaster Events { get; }

    /// <summary>Publishes a corruption the guest reports on its console, matched to the straggler whose poison it found.</summary>
    public void ObserveGuest(GuestReport report)
    {
        if (report.Kind == "corruption" && GuestFinding.FromReport(report.Fields) is { } finding)
        {
            Events.Publish(GuestFinding.Match([finding], Bridge.StragglersPerformed)[0], DateTimeOffset.UtcNow);
        }
    }

    public void Dispose() => Events.Dispose();
}
