using System.Runtime.CompilerServices;

namespace HilBridge.Core.Engine;

/// <summary>
/// The engine's scheduled device-side events (answers, refusals, stragglers) in a total order: due time,
/// then scheduling order, so equal due times replay in the order they were scheduled.
/// </summary>
internal sealed class TimerQueue
{
    private readonly PriorityQueue<TimerItem, TimerKey> _items = new();
    private long _sequence;

    /// <summary>Due time (UTC ticks) of the first live item (stale heads are dropped); null when none is scheduled.</summary>
    public long? NextLiveDueTicks => TryPeekLive(out _, out long dueTicks) ? dueTicks : null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Schedule(DateTimeOffset at, TimerItem item) =>
        _items.Enqueue(item, new TimerKey(at.UtcTicks, ++_sequence));

    /// <summary>Drops stale heads, then peeks the first live item.</summary>
    public bool TryPeekLive(out TimerItem item, out long dueTicks)
    {
        while (_items.TryPeek(out item, out var key))
        {
            if (!item.IsStale)
            {
                dueTicks = key.UtcTicks;
                return true;
            }

            _items.Dequeue();
        }

        dueTicks = 0;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dequeue() => _items.Dequeue();

    /// <summary>Removes every scheduled straggler; returns the capture of each, one per straggler.</summary>
    public List<Capture> RemoveStragglers()
    {
        var kept = new List<(TimerItem Item, TimerKey Key)>(_items.Count);
        var removed = new List<Capture>();
        foreach (var (item, key) in _items.UnorderedItems)
        {
            if (item.Kind == TimerKind.Straggler)
            {
                removed.Add(item.Capture!);
            }
            else
            {
                kept.Add((item, key));
            }
        }

        if (removed.Count > 0)
        {
            _items.Clear();
            foreach (var (item, key) in kept)
            {
                _items.Enqueue(item, key);
            }
        }

        return removed;
    }
}
