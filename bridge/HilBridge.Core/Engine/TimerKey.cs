namespace HilBridge.Core.Engine;

/// <summary>Due time, then scheduling order: PriorityQueue is not stable, replay needs a total order.</summary>
internal readonly record struct TimerKey(long UtcTicks, long Sequence) : IComparable<TimerKey>
{
    public int CompareTo(TimerKey other)
    {
        int c = UtcTicks.CompareTo(other.UtcTicks);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}
