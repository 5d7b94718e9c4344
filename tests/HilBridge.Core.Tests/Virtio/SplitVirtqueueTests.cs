using HilBridge.Core.Dma;
using HilBridge.Core.Virtio;

namespace HilBridge.Core.Tests.Virtio;

public class SplitVirtqueueTests
{
    private readonly TestDmaSpace _memory = new();
    private readonly SplitRing _ring;

    public SplitVirtqueueTests() => _ring = new SplitRing(_memory, size: 8);

    [Theory]
    [InlineData(1, true)]
    [InlineData(256, true)]
    [InlineData(32768, true)]
    [InlineData(0, false)]
    [InlineData(3, false)]
    [InlineData(65536, false)]
    [InlineData(-4, false)]
    public void IsValidSize_Values_MatchSpec(int size, bool valid) =>
        Assert.Equal(valid, SplitVirtqueue.IsValidSize(size));

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)6)]
    [InlineData((ushort)65535)]
    public void Ctor_InvalidSize_Throws(ushort size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitVirtqueue(_memory, size, 0, 0x100, 0x200, 0, false));

    [Fact]
    public void Ctor_UsedRingWrapsAddressSpace_QueueFaultedNotThrown()
    {
        var queue = new SplitVirtqueue(_memory, 8, 0x1000, 0x2000, ulong.MaxValue - 8, 0, false);

        Assert.True(queue.IsFaulted);
        Assert.Equal(QueueErrorKind.RingAddressWraps, queue.Error.Kind);
        Assert.False(queue.TryPopAvailable(out _, out var error));
        Assert.Equal(QueueErrorKind.RingAddressWraps, error.Kind);
    }

    [Fact]
    public void TryPopAvailable_EmptyRing_FalseWithoutError()
    {
        var queue = _ring.CreateQueue();

        Assert.False(queue.TryPopAvailable(out _, out var error));
        Assert.True(error.IsNone);
        Assert.False(queue.IsFaulted);
    }

    [Fact]
    public void TryPopAvailable_PublishedHeads_ReturnedInOrderAndNextAvailAdvances()
    {
        var queue = _ring.CreateQueue();
        _ring.Publish(3, 0, 7);

        var heads = new List<ushort>();
        while (queue.TryPopAvailable(out var head, out _))
        {
            heads.Add(head);
        }

        Assert.Equal([3, 0, 7], heads);
        Assert.Equal(3, queue.NextAvail);
    }

    [Fact]
    public void TryPopAvailable_BaseNearIndexWrap_FollowsWrapAround()
    {
        _ring.AvailIdx = 65534;
        var queue = _ring.CreateQueue(nextAvail: 65534);
        _ring.Publish(1, 2, 5);

        Assert.True(queue.TryPopAvailable(out var a, out _));
        Assert.True(queue.TryPopAvailable(out var b, out _));
        Assert.True(queue.TryPopAvailable(out var c, out _));
        Assert.False(queue.TryPopAvailable(out _, out var error));

        Assert.Equal((1, 2, 5), (a, b, c));
        Assert.Equal(1, queue.NextAvail);
        Assert.True(error.IsNone);
    }

    [Fact]
    public void TryPopAvailable_AvailIdxExactlySizeAhead_Accepted()
    {
        var queue = _ring.CreateQueue();
        _ring.Publish(0, 1, 2, 3, 4, 5, 6, 7);

        Assert.True(queue.TryPopAvailable(out _, out var error));
        Assert.True(error.IsNone);
    }

    [Fact]
    public void TryPopAvailable_AvailIdxMoreThanSizeAhead_BogusIndexError()
    {
        var queue = _ring.CreateQueue();
        _ring.AvailIdx = 9;

        Assert.False(queue.TryPopAvailable(out _, out var error));

        Assert.Equal(QueueErrorKind.BogusAvailIndex, error.Kind);
        Assert.Equal(9UL, error.Value);
        Assert.True(queue.IsFaulted);
    }

    [Fact]
    public void TryPopAvailable_AvailIdxBehindNextAvail_BogusIndexError()
    {
        _ring.AvailIdx = 10;
        var queue = _ring.CreateQueue(nextAvail: 10);
        _ring.AvailIdx = 9; // the driver moved idx backwards

        Assert.False(queue.TryPopAvailable(out _, out var error));
        Assert.Equal(QueueErrorKind.BogusAvailIndex, error.Kind);
    }

    [Fact]
    public void TryPopAvailable_HeadBeyondQueueSize_HeadOutOfRangeError()
    {
        var queue = _ring.CreateQueue();
        _ring.Publish(8);

        Assert.False(queue.TryPopAvailable(out _, out var error));

        Assert.Equal(QueueErrorKind.HeadOutOfRange, error.Kind);
        Assert.Equal(8UL, error.Value);
        Assert.Equal(0, queue.NextAvail);
    }

    [Fact]
    public void TryPopAvailable_AvailRingInFaultingMemory_ErrorNamesIova()
    {
        var queue = _ring.CreateQueue();
        _memory.Fail(_ring.Avail, 4);

        Assert.False(queue.TryPopAvailable(out _, out var error));

        Assert.Equal(QueueErrorKind.AvailRingUnreadable, error.Kind);
        Assert.Equal(DmaStatus.Fault, error.Dma);
        Assert.Equal($"avail ring unreadable at IOVA 0x{_ring.Avail + 2:x} (Fault)", error.ToString());
    }

    [Fact]
    public void TryPopAvailable_AvailEntryUnreadable_ErrorIsSticky()
    {
        var queue = _ring.CreateQueue();
        _ring.Publish(1);
        _memory.Fail(_ring.Avail + 4, 2, DmaStatus.Aborted);

        Assert.False(queue.TryPopAvailable(out _, out var first));
        Assert.False(queue.TryPopAvailable(out _, out var second));

        Assert.Equal(QueueErrorKind.AvailRingUnreadable, first.Kind);
        Assert.Equal(DmaStatus.Aborted, first.Dma);
        Assert.Equal(first, second);
        Assert.False(queue.PushUsed(1, 0));
    }

    [Fact]
    public void PushUsed_Completion_WritesElementThenIdx()
    {
        var queue = _ring.CreateQueue();
        _ring.Publish(5);
        queue.TryPopAvailable(out var head, out _);

        Assert.True(queue.PushUsed(head, 513));

        Assert.Equal(1, _ring.UsedIdx);
        Assert.Equal((5u, 513u), _ring.UsedElement(0));
        Assert.Equal(1, queue.NextUsed);
    }

    [Fact]
    public void PushUsed_UsedIndexStartsAtBase_WritesSlotOfBase()
    {
        var queue = _ring.CreateQueue(nextAvail: 13);

        queue.PushUsed(2, 1);

        Assert.Equal(14, _ring.UsedIdx);
        Assert.Equal((2u, 1u), _ring.UsedElement(13));
    }

    [Fact]
    public void PushUsed_UsedRingInFaultingMemory_FalseAndQueueFaulted()
    {
        var queue = _ring.CreateQueue();
        _memory.Fail(_ring.Used, 0x100, DmaStatus.Fault, AccessKind.Write);

        Assert.False(queue.PushUsed(0, 1));

        Assert.Equal(QueueErrorKind.UsedRingUnwritable, queue.Error.Kind);
        Assert.Equal(_ring.Used + 4, queue.Error.Address);
        Assert.Contains("used ring unwritable at IOVA 0x5004", queue.Error.ToString());
    }

    [Fact]
    public void PushUsed_HeadBeyondSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ring.CreateQueue().PushUsed(8, 0));

    [Fact]
    public void ShouldNotify_NothingPushed_False()
    {
        Assert.False(_ring.CreateQueue().ShouldNotify());
        Assert.False(_ring.CreateQueue(eventIdx: true).ShouldNotify());
    }

    [Fact]
    public void ShouldNotify_NoEventIdxInterruptsWanted_True()
    {
        var queue = _ring.CreateQueue();
        queue.PushUsed(0, 1);

        Assert.True(queue.ShouldNotify());
        Assert.False(queue.ShouldNotify()); // nothing new since
    }

    [Fact]
    public void ShouldNotify_NoEventIdxNoInterruptFlag_False()
    {
        var queue = _ring.CreateQueue();
        _ring.AvailFlags = (ushort)VringAvailFlags.NoInterrupt;
        queue.PushUsed(0, 1);

        Assert.False(queue.ShouldNotify());
    }

    [Fact]
    public void ShouldNotify_EventIdxIgnoresNoInterruptFlag_UsesUsedEvent()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        _ring.AvailFlags = (ushort)VringAvailFlags.NoInterrupt;
        _ring.UsedEvent = 0;
        queue.PushUsed(0, 1);

        Assert.True(queue.ShouldNotify());
    }

    [Fact]
    public void ShouldNotify_EventIdx_NotifiesOnlyWhenUsedIdxPassesUsedEvent()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        queue.PushUsed(0, 1);
        Assert.True(queue.ShouldNotify()); // the first one after a start is unconditional

        _ring.UsedEvent = 4; // "interrupt me when used idx moves past 4"
        queue.PushUsed(1, 1);
        queue.PushUsed(2, 1); // used idx 3
        Assert.False(queue.ShouldNotify());

        queue.PushUsed(3, 1); // used idx 4: event 4 not yet passed
        Assert.False(queue.ShouldNotify());

        queue.PushUsed(4, 1); // used idx 5
        Assert.True(queue.ShouldNotify());

        queue.PushUsed(5, 1); // used_event stale at 4: suppressed
        Assert.False(queue.ShouldNotify());
    }

    [Fact]
    public void ShouldNotify_UsedEventUnreadable_NotifiesAnyway()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        queue.PushUsed(0, 1);
        _memory.Fail(_ring.Avail + 4 + 2UL * _ring.Size, 2);

        Assert.True(queue.ShouldNotify());
        Assert.Equal(QueueErrorKind.AvailRingUnreadable, queue.Error.Kind);
    }

    [Fact]
    public void TryPopAvailable_EventIdxRingEmpty_WritesAvailEventAtNextAvail()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        _ring.Publish(1, 2);
        queue.TryPopAvailable(out _, out _);
        queue.TryPopAvailable(out _, out _);
        Assert.Equal(0, _ring.AvailEvent); // not touched while busy

        Assert.False(queue.TryPopAvailable(out _, out _));

        Assert.Equal(2, _ring.AvailEvent);
    }

    [Fact]
    public void TryPopAvailable_BufferPublishedWhileAvailEventWritten_NotMissed()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        var availEvent = _ring.Used + 4 + 8UL * _ring.Size;
        _memory.AfterWrite = (address, _) =>
        {
            // The driver adds a buffer after our empty check but before it could see avail_event.
            if (address == availEvent && _ring.AvailIdx == 0)
            {
                _ring.Publish(6);
            }
        };

        Assert.True(queue.TryPopAvailable(out var head, out _));
        Assert.Equal(6, head);
    }

    [Fact]
    public void TryPopAvailable_AvailEventUnwritable_QueueFaulted()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        _memory.Fail(_ring.Used + 4 + 8UL * _ring.Size, 2, DmaStatus.Fault, AccessKind.Write);

        Assert.False(queue.TryPopAvailable(out _, out var error));
        Assert.Equal(QueueErrorKind.AvailEventUnwritable, error.Kind);
    }

    [Fact]
    public void Rings_AllAccesses_AreControlDma()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        _ring.SetDesc(0, 0x8000, 16);
        _ring.Publish(0);
        queue.TryPopAvailable(out var head, out _);
        queue.ReadChain(head, []);
        queue.PushUsed(head, 0);
        queue.ShouldNotify();

        Assert.Equal(0, _memory.PayloadAccesses);
        Assert.True(_memory.ControlAccesses >= 5);
    }
}
