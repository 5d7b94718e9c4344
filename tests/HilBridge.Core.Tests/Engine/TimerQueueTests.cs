using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

/// <summary>The engine's timer queue on its own: a total order, stale answers skipped, stragglers removable.</summary>
public class TimerQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 6, 20, 0, 0, TimeSpan.Zero);

    private static Invalidation Pending(ulong requestId) => new Invalidation().Reset(requestId, 0, 4095, T0, T0.AddSeconds(1));

    private static TimerItem Answer(Invalidation inv) => new(TimerKind.DeviceDone, inv, inv.Generation, null, default, 0);

    private static TimerItem Straggler(Invalidation inv, Capture capture) =>
        new(TimerKind.Straggler, inv, inv.Generation, capture, AccessKind.Write, 512);

    private static List<ulong> DrainRequestIds(TimerQueue timers)
    {
        var ids = new List<ulong>();
        while (timers.TryPeekLive(out var item, out _))
        {
            timers.Dequeue();
            ids.Add(item.Invalidation.RequestId);
        }

        return ids;
    }

    [Fact]
    public void NextLiveDueTicks_Empty_IsNull()
    {
        var timers = new TimerQueue();

        Assert.Null(timers.NextLiveDueTicks);
        Assert.False(timers.TryPeekLive(out _, out _));
    }

    [Fact]
    public void TryPeekLive_EqualDueTimes_InSchedulingOrder()
    {
        var timers = new TimerQueue();
        for (ulong id = 1; id <= 20; id++)
        {
            timers.Schedule(T0, Answer(Pending(id)));
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), DrainRequestIds(timers));
    }

    [Fact]
    public void TryPeekLive_DifferentDueTimes_EarliestFirst()
    {
        var timers = new TimerQueue();
        timers.Schedule(T0.AddMilliseconds(2), Answer(Pending(1)));
        timers.Schedule(T0.AddMilliseconds(1), Answer(Pending(2)));

        Assert.Equal(T0.AddMilliseconds(1).UtcTicks, timers.NextLiveDueTicks);
        Assert.Equal([2UL, 1UL], DrainRequestIds(timers));
    }

    [Fact]
    public void TryPeekLive_AnswerForASettledInvalidation_IsDropped()
    {
        var timers = new TimerQueue();
        var settled = Pending(1);
        timers.Schedule(T0, Answer(settled));
        timers.Schedule(T0.AddMilliseconds(1), Answer(Pending(2)));
        settled.State = InvalidationState.Acked;

        // The engine skips its due check while nothing can be due, so stale heads may stay: the next
        // deadline it reports must be the first live one.
        Assert.Equal(T0.AddMilliseconds(1).UtcTicks, timers.NextLiveDueTicks);
        Assert.True(timers.TryPeekLive(out var item, out long due));
        Assert.Equal((2UL, T0.AddMilliseconds(1).UtcTicks), (item.Invalidation.RequestId, due));
    }

    [Fact]
    public void TryPeekLive_AnswerForAReusedRecord_IsDropped()
    {
        var timers = new TimerQueue();
        var inv = Pending(1);
        timers.Schedule(T0, Answer(inv));
        inv.Reset(2, 0, 4095, T0, T0.AddSeconds(1));

        Assert.False(timers.TryPeekLive(out _, out _));
    }

    [Fact]
    public void RemoveStragglers_Mixed_RemovesOnlyStragglersAndKeepsTheOrder()
    {
        var timers = new TimerQueue();
        var capture = new Capture().Reset(new AtcEntry(1, 0, 4096, 0, AccessKind.ReadWrite), inAtc: false);
        timers.Schedule(T0.AddMilliseconds(3), Answer(Pending(3)));
        timers.Schedule(T0.AddMilliseconds(1), Straggler(Pending(10), capture));
        timers.Schedule(T0.AddMilliseconds(3), Answer(Pending(4)));
        timers.Schedule(T0.AddMilliseconds(2), Straggler(Pending(11), capture));
        timers.Schedule(T0.AddMilliseconds(1), Answer(Pending(1)));

        var removed = timers.RemoveStragglers();

        Assert.Equal(new[] { capture, capture }, removed);
        Assert.Equal([1UL, 3UL, 4UL], DrainRequestIds(timers));
    }
}
