using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using HilBridge.Scenarios;

namespace HilBridge.Control.Events;

/// <summary>
/// Fans one bridge's engine effects, and the guest's findings, out to any number of event-stream subscribers. The bridge raises
/// effects under its engine lock, so this only copies each into the subscribers' bounded queues:
/// it never blocks, allocates nothing per effect, and a slow subscriber loses events, not the device time.
/// </summary>
public sealed class EventBroadcaster : IDisposable
{
    /// <summary>Per subscriber; at ~2700 acknowledgements per guest round this is a few rounds of slack.</summary>
    public const int DefaultCapacity = 8192;

    private readonly VhostBlkBridge _bridge;
    private readonly object _lock = new();
    private EventSubscription[] _subscribers = []; // copy on write
    private bool _disposed;

    public EventBroadcaster(VhostBlkBridge bridge)
    {
        _bridge = bridge;
        _bridge.EffectObserved += OnEffect;
    }

    public int SubscriberCount => _subscribers.Length;

    public EventSubscription Subscribe(EventFilter filter, int capacity = DefaultCapacity)
    {
        var subscription = new EventSubscription(filter, capacity, Unsubscribe);
        lock (_lock)
        {
            if (_disposed)
            {
                subscription.Complete();
            }
            else
            {
                Volatile.Write(ref _subscribers, [.. _subscribers, subscription]);
            }
        }
        return subscription;
    }

    private void Unsubscribe(EventSubscription subscription)
    {
        lock (_lock)
        {
            Volatile.Write(ref _subscribers, _subscribers.Where(s => s != subscription).ToArray());
        }
    }

    private void OnEffect(EngineEffect effect)
    {
        // A snapshot read: subscribing never takes the engine lock and the engine never takes ours.
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Offer(effect);
        }
    }

    /// <summary>A corruption the guest found in its own memory (from its console, not under the engine lock).</summary>
    public void Publish(GuestFinding finding, DateTimeOffset at)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Offer(finding, at);
        }
    }

    /// <summary>Detaches from the bridge and ends every subscriber's stream after what is queued.</summary>
    public void Dispose()
    {
        _bridge.EffectObserved -= OnEffect;
        EventSubscription[] subscribers;
        lock (_lock)
        {
            _disposed = true;
            subscribers = _subscribers;
            Volatile.Write(ref _subscribers, []);
        }
        foreach (var subscriber in subscribers)
        {
            subscriber.Complete();
        }
    }
}
