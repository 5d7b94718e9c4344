using System.Threading.Channels;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Control.Events;

/// <summary>
/// One subscriber's queue of events (engine effects and the guest's findings). The engine side only ever TryWrites (never waits): when the
/// queue is full the effect is dropped and counted, and the reader learns the count with its next read.
/// </summary>
public sealed class EventSubscription : IDisposable
{
    private readonly Channel<DeviceEvent> _queue;
    private readonly EventFilter _filter;
    private readonly Action<EventSubscription> _unsubscribe;
    private long _dropped;

    internal EventSubscription(EventFilter filter, int capacity, Action<EventSubscription> unsubscribe)
    {
        _filter = filter;
        _unsubscribe = unsubscribe;
        _queue = Channel.CreateBounded<DeviceEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: fails instead of waiting, so we can count
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<DeviceEvent> Reader => _queue.Reader;

    /// <summary>Effects lost since the last call (and resets the count).</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Called under the engine lock: filter, enqueue or count, return.</summary>
    internal void Offer(in EngineEffect effect)
    {
        if (_filter.Accepts(effect))
        {
            Enqueue(new DeviceEvent(effect));
        }
    }

    internal void Offer(GuestFinding finding, DateTimeOffset at)
    {
        if (_filter.GuestFindings)
        {
            Enqueue(DeviceEvent.From(finding, at));
        }
    }

    private void Enqueue(in DeviceEvent e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>No more effects: the reader drains what is queued and then ends.</summary>
    internal void Complete() => _queue.Writer.TryComplete();

    public void Dispose()
    {
        _unsubscribe(this);
        Complete();
    }
}
