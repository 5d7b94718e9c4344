using HilBridge.Core.Engine;
using HilBridge.Live.Device;

namespace HilBridge.Control.Events;

/// <summary>
/// Fans one bridge's engine effects out to any number of event-stream subscribers. The bridge raises
/// effects under its engine lock, so this only copies each into the subscribers' bounded queues:
/// it never blocks, allocates nothing per effect, and a slow subscriber loses events, not the device time.
/// </summary>
public sealed class EffectBroadcaster : IDisposable
{
    /// <summary>Per subscriber; at ~2700 acknowledgements per guest round this is a few rounds of slack.</summary>
    public const int DefaultCapacity = 8192;

    private readonly VhostBlkBridge _bridge;
    private readonly object _lock = new();
    private EffectSubscription[] _subscribers = []; // copy on write
    private bool _disposed;

    public EffectBroadcaster(VhostBlkBridge bridge)
    {
        _bridge = bridge;
        _bridge.EffectObserved += OnEffect;
    }

    public int SubscriberCount => _subscribers.Length;

    public EffectSubscription Subscribe(EffectFilter filter, int capacity = DefaultCapacity)
    {
        var subscription = new EffectSubscription(filter, capacity, Unsubscribe);
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

    private void Unsubscribe(EffectSubscription subscription)
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

    /// <summary>Detaches from the bridge and ends every subscriber's stream after what is queued.</summary>
    public void Dispose()
    {
        _bridge.EffectObserved -= OnEffect;
        EffectSubscription[] subscribers;
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
