using System.Runtime.InteropServices;
using HilBridge.Live.Device;

namespace HilBridge.Reliability.Tests.Device;

/// <summary>The split-ring inflight layout (libvhost-user's VuVirtqInflight), read back the way a restarted back-end does.</summary>
public sealed unsafe class InflightQueueTests : IDisposable
{
    private const int QueueSize = 16;
    private readonly nint _memory = (nint)NativeMemory.AllocZeroed((nuint)InflightLayout.QueueRegionSize(QueueSize));

    [Fact]
    public void TakeInflight_FreshArea_NothingAndVersionSet()
    {
        var queue = new InflightQueue(_memory, QueueSize, QueueSize);

        Assert.Empty(queue.TakeInflight(usedIdx: 0));
        Assert.Equal(1, queue.Version);
    }

    [Fact]
    public void TakeInflight_PoppedNeverPublished_ReturnedInPopOrder()
    {
        var before = Started();
        before.Popped(9);
        before.Popped(2);
        before.Popped(5);
        before.Publishing(2);
        before.Published(2, usedIdx: 1);

        var after = new InflightQueue(_memory, QueueSize, QueueSize);

        Assert.Equal([9, 5], after.TakeInflight(usedIdx: 1));
        Assert.False(after.IsInflight(9)); // re-marked when popped again
    }

    [Fact]
    public void TakeInflight_DiedBetweenUsedIndexAndFlag_LastBatchHeadCleared()
    {
        var before = Started();
        before.Popped(4);
        before.Publishing(4);
        // The used ring got the element and used->idx = 1, then the process died before clearing the flag.

        Assert.Empty(new InflightQueue(_memory, QueueSize, QueueSize).TakeInflight(usedIdx: 1));
    }

    [Fact]
    public void TakeInflight_DiedBeforeUsedIndex_HeadStillInFlight()
    {
        var before = Started();
        before.Popped(4);
        before.Publishing(4);

        Assert.Equal([4], new InflightQueue(_memory, QueueSize, QueueSize).TakeInflight(usedIdx: 0));
    }

    [Fact]
    public void Popped_HeadBeyondTheRing_NotTrackedAndNothingWrittenOutside()
    {
        var ringOfEight = new InflightQueue(_memory, QueueSize, ringSize: 8);
        ringOfEight.TakeInflight(0);

        ringOfEight.Popped(12);
        ringOfEight.Popped(ushort.MaxValue);

        Assert.False(ringOfEight.IsInflight(12));
        Assert.Equal(8, ringOfEight.Entries);
        Assert.Empty(new InflightQueue(_memory, QueueSize, QueueSize).TakeInflight(0));
    }

    [Fact]
    public void QueueRegionSize_LibvhostUserFormula_HoldsHeaderAndDescriptors()
    {
        Assert.Equal(64UL, InflightLayout.QueueRegionSize(1));
        Assert.Equal(2112UL, InflightLayout.QueueRegionSize(128)); // ALIGN_UP(16 * 128 + 2, 64)
        foreach (var size in new[] { 1, 2, 4, 64, 256, 32768 })
        {
            Assert.True(InflightLayout.QueueRegionSize(size) >= (ulong)(InflightLayout.HeaderSize + InflightLayout.DescStateSize * size));
        }
    }

    private InflightQueue Started()
    {
        var queue = new InflightQueue(_memory, QueueSize, QueueSize);
        queue.TakeInflight(0);
        return queue;
    }

    public void Dispose() => NativeMemory.Free((void*)_memory);
}
