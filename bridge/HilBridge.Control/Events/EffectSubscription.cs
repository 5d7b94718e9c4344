using System.Threading.Channels;
using HilBridge.Core.Engine;

namespace HilBridge.Control.Events;

/// <summary>
/// One subscriber's queue of effects. The engine side only ever TryWrites (never waits): when the
/// queue is full the effect is dropped and counted, and the reader learns the count with its next read.
/// </summary>
public sealed class EffectSubscription : IDisposable
{
    private readonly Channel<EngineEffect> _queue;
    private readonly EffectFilter _filter;
    private readonly Action<EffectSubscription> _unsubscribe;
    private long _dropped;

    internal EffectSubscription(EffectFilter filter, int capacity, Action<EffectSubscription> unsubscribe)
    {
        _filter = filter;
        _unsubscribe = unsubscribe;
        _queue = Channel.CreateBounded<EngineEffect>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: fails instead of waiting, so we can count
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<EngineEffect> Reader => _queue.Reader;

    /// <summary>Effects lost since the last call (and resets the count).</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Called under the engine lock: filter, enqueue or count, return.</summary>
    internal void Offer(in EngineEffect effect)
    {
        if (_filter.Accepts(effect) && !_queue.Writer.TryWrite(effect))
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
