using HilBridge.Core.Dma;
using HilBridge.Core.Virtio;
using static HilBridge.Core.Virtio.VringDescFlags;

namespace HilBridge.Core.Tests.Virtio;

public class DescriptorChainTests
{
    private const ulong Indirect1 = 0x8000;
    private const ulong Indirect2 = 0x9000;

    private readonly TestDmaSpace _memory = new();
    private readonly SplitRing _ring;
    private readonly SplitVirtqueue _queue;
    private readonly List<DescriptorSegment> _segments = [];

    public DescriptorChainTests()
    {
        _ring = new SplitRing(_memory, size: 8);
        _queue = _ring.CreateQueue();
    }

    [Fact]
    public void ReadChain_DirectChain_ReturnsSegmentsInChainOrder()
    {
        _ring.SetDesc(2, 0x10000, 16, Next, next: 5);
        _ring.SetDesc(5, 0x20000, 4096, Write | Next, next: 0);
        _ring.SetDesc(0, 0x30000, 1, Write);

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(2, _segments));

        Assert.Equal(
            [new(0x10000, 16, false), new(0x20000, 4096, true), new(0x30000, 1, true)],
            _segments);
    }

    [Fact]
    public void ReadChain_ListHoldsOldSegments_ClearedFirst()
    {
        _segments.Add(new DescriptorSegment(1, 1, true));
        _ring.SetDesc(0, 0x10000, 16);

        _queue.ReadChain(0, _segments);

        Assert.Equal([new DescriptorSegment(0x10000, 16, false)], _segments);
    }

    [Fact]
    public void ReadChain_ChainOfQueueSizeDescriptors_Accepted()
    {
        for (var i = 0; i < 8; i++)
        {
            _ring.SetDesc(i, 0x10000 + (ulong)i * 0x100, 1, i < 7 ? Next : None, next: (ushort)(i + 1));
        }

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(0, _segments));
        Assert.Equal(8, _segments.Count);
    }

    [Fact]
    public void ReadChain_IndirectTable_ReturnsTableSegments()
    {
        _ring.SetDesc(0, Indirect1, 3 * 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 2, table: Indirect1);
        _ring.SetDesc(2, 0x20000, 512, Write | Next, next: 1, table: Indirect1);
        _ring.SetDesc(1, 0x30000, 1, Write, table: Indirect1);

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(0, _segments));

        Assert.Equal(
            [new(0x10000, 16, false), new(0x20000, 512, true), new(0x30000, 1, true)],
            _segments);
    }

    [Fact]
    public void ReadChain_DirectPrefixThenIndirect_ReturnsBoth()
    {
        _ring.SetDesc(4, 0x10000, 16, Next, next: 6);
        _ring.SetDesc(6, Indirect1, 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x30000, 1, Write, table: Indirect1);

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(4, _segments));
        Assert.Equal([new(0x10000, 16, false), new(0x30000, 1, true)], _segments);
    }

    [Fact]
    public void ReadChain_IndirectWriteFlagOnTableDescriptor_Ignored()
    {
        // The spec tells the device to ignore WRITE on the descriptor that points at a table.
        _ring.SetDesc(0, Indirect1, 16, VringDescFlags.Indirect | Write);
        _ring.SetDesc(0, 0x10000, 16, None, table: Indirect1);

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(0, _segments));
        Assert.False(_segments[0].DeviceWritable);
    }

    [Fact]
    public void ReadChain_SelfLoop_Loop()
    {
        _ring.SetDesc(3, 0x10000, 16, Next, next: 3);

        Assert.Equal(ChainStatus.Loop, _queue.ReadChain(3, _segments));
        Assert.Equal(8, _segments.Count); // the prefix read before giving up, bounded by the queue size
    }

    [Fact]
    public void ReadChain_TwoDescriptorLoop_Loop()
    {
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1);
        _ring.SetDesc(1, 0x20000, 16, Next, next: 0);

        Assert.Equal(ChainStatus.Loop, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_LoopInsideIndirectTable_Loop()
    {
        _ring.SetDesc(0, Indirect1, 4 * 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1, table: Indirect1);
        _ring.SetDesc(1, 0x20000, 1, Write | Next, next: 1, table: Indirect1);

        Assert.Equal(ChainStatus.Loop, _queue.ReadChain(0, _segments));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(24u)]
    [InlineData(1025u * 16)]
    public void ReadChain_IndirectTableBadLength_BadIndirectTable(uint length)
    {
        _ring.SetDesc(0, Indirect1, length, VringDescFlags.Indirect);

        Assert.Equal(ChainStatus.BadIndirectTable, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_IndirectTableOfMaxEntries_Accepted()
    {
        var table = 0x40000UL;
        _ring.SetDesc(0, table, SplitVirtqueue.MaxIndirectEntries * 16, VringDescFlags.Indirect);
        for (var i = 0; i < SplitVirtqueue.MaxIndirectEntries; i++)
        {
            _ring.SetDesc(i, 0x10000, 1, i < SplitVirtqueue.MaxIndirectEntries - 1 ? Next : None, next: (ushort)(i + 1), table: table);
        }

        Assert.Equal(ChainStatus.Ok, _queue.ReadChain(0, _segments));
        Assert.Equal(SplitVirtqueue.MaxIndirectEntries, _segments.Count);
    }

    [Fact]
    public void ReadChain_IndirectTableAddressWraps_BadIndirectTable()
    {
        _ring.SetDesc(0, ulong.MaxValue - 15, 32, VringDescFlags.Indirect);

        Assert.Equal(ChainStatus.BadIndirectTable, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_IndirectInsideIndirect_NestedIndirect()
    {
        _ring.SetDesc(0, Indirect1, 2 * 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1, table: Indirect1);
        _ring.SetDesc(1, Indirect2, 16, VringDescFlags.Indirect, table: Indirect1);

        Assert.Equal(ChainStatus.NestedIndirect, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_IndirectWithNext_IndirectWithNext()
    {
        _ring.SetDesc(0, Indirect1, 16, VringDescFlags.Indirect | Next, next: 1);

        Assert.Equal(ChainStatus.IndirectWithNext, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_NextBeyondQueue_NextOutOfRange()
    {
        _ring.SetDesc(0, 0x10000, 16, Next, next: 8);

        Assert.Equal(ChainStatus.NextOutOfRange, _queue.ReadChain(0, _segments));
        Assert.Single(_segments);
    }

    [Fact]
    public void ReadChain_NextBeyondIndirectTable_NextOutOfRange()
    {
        _ring.SetDesc(0, Indirect1, 2 * 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 2, table: Indirect1); // the ring has 8, the table only 2

        Assert.Equal(ChainStatus.NextOutOfRange, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_HeadBeyondQueue_HeadOutOfRange()
    {
        Assert.Equal(ChainStatus.HeadOutOfRange, _queue.ReadChain(8, _segments));
    }

    [Fact]
    public void ReadChain_ReadableAfterWritable_ReadableAfterWritable()
    {
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1);
        _ring.SetDesc(1, 0x20000, 1, Write | Next, next: 2);
        _ring.SetDesc(2, 0x30000, 512, Next, next: 3);

        Assert.Equal(ChainStatus.ReadableAfterWritable, _queue.ReadChain(0, _segments));
        Assert.Equal(2, _segments.Count);
    }

    [Fact]
    public void ReadChain_DescriptorTableInFaultingMemory_DescriptorUnreadable()
    {
        _memory.Fail(_ring.Desc + 16, 16, DmaStatus.Fault, AccessKind.Read);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1);

        Assert.Equal(ChainStatus.DescriptorUnreadable, _queue.ReadChain(0, _segments));
        Assert.False(_queue.IsFaulted); // one bad chain, not a broken ring
    }

    [Fact]
    public void ReadChain_IndirectTableInFaultingMemory_DescriptorUnreadable()
    {
        _memory.Fail(Indirect1, 0x1000);
        _ring.SetDesc(0, Indirect1, 16, VringDescFlags.Indirect);

        Assert.Equal(ChainStatus.DescriptorUnreadable, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_TotalBeyondFourGiB_TooLong()
    {
        _ring.SetDesc(0, 0x10000, uint.MaxValue, Next, next: 1);
        _ring.SetDesc(1, 0x20000, 1, Write);

        Assert.Equal(ChainStatus.TooLong, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_TotalBeyondConfiguredBound_TooLong()
    {
        var queue = _ring.CreateQueue(maxChainBytes: 4096);
        _ring.SetDesc(0, 0x10000, 4096, Next, next: 1);
        _ring.SetDesc(1, 0x20000, 1, Write);

        Assert.Equal(ChainStatus.TooLong, queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_BufferWrapsAddressSpace_BufferWraps()
    {
        _ring.SetDesc(0, ulong.MaxValue - 7, 16);

        Assert.Equal(ChainStatus.BufferWraps, _queue.ReadChain(0, _segments));
    }

    [Fact]
    public void ReadChain_DescriptorBytes_DecodedLittleEndian()
    {
        _memory.Memory.AsSpan((int)_ring.Desc, 16).Clear();
        byte[] raw = [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00];
        raw.CopyTo(_memory.Memory, (int)_ring.Desc);

        _queue.ReadChain(0, _segments);

        Assert.Equal([new DescriptorSegment(0x0102030405060708, 0x200, true)], _segments);
    }
}
