using System.Buffers.Binary;
using HilBridge.Core.Blk;
using HilBridge.Core.Dma;
using HilBridge.Core.Tests.Virtio;
using HilBridge.Core.Virtio;
using static HilBridge.Core.Virtio.VringDescFlags;

namespace HilBridge.Core.Tests.Blk;

public class VirtioBlkQueueProcessorTests
{
    private readonly TestDmaSpace _memory = new();
    private readonly SplitRing _ring;
    private readonly InMemoryBlockStore _store = new(sectors: 32);
    private readonly VirtioBlkRequestProcessor _device;
    private readonly List<DescriptorSegment> _chain = [];

    public VirtioBlkQueueProcessorTests()
    {
        _ring = new SplitRing(_memory, size: 8);
        _device = new VirtioBlkRequestProcessor(_store, "q");
    }

    /// <summary>Lays out a three-descriptor request at slots first..first+2: header, data, status.</summary>
    private ulong Request(ushort first, VirtioBlkRequestType type, ulong sector, uint dataLength)
    {
        var header = 0x10000UL + first * 0x100UL;
        var data = 0x20000UL + first * 0x1000UL;
        var status = 0x30000UL + first;
        var h = _memory.Memory.AsSpan((int)header, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], sector);
        _memory.Memory[status] = 0xff;
        var dataFlags = type == VirtioBlkRequestType.In ? Write : None;
        _ring.SetDesc(first, header, 16, Next, next: (ushort)(first + 1));
        _ring.SetDesc(first + 1, data, dataLength, dataFlags | Next, next: (ushort)(first + 2));
        _ring.SetDesc(first + 2, status, 1, Write);
        return status;
    }

    private QueueRunResult Run(SplitVirtqueue queue) => VirtioBlkQueueProcessor.ProcessAvailable(queue, _device, _chain);

    [Fact]
    public void ProcessAvailable_ReadAndWrite_BothCompletedInOrder()
    {
        var queue = _ring.CreateQueue();
        var readStatus = Request(0, VirtioBlkRequestType.In, 1, 1024);
        var writeStatus = Request(3, VirtioBlkRequestType.Out, 4, 512);
        _ring.Publish(0, 3);

        var run = Run(queue);

        Assert.Equal(2, run.Completed);
        Assert.Equal(0, run.Failed);
        Assert.Equal(1024UL, run.BytesRead);
        Assert.Equal(512UL, run.BytesWritten);
        Assert.True(run.Notify);
        Assert.True(run.QueueError.IsNone);
        Assert.Equal(2, _ring.UsedIdx);
        Assert.Equal((0u, 1025u), _ring.UsedElement(0));
        Assert.Equal((3u, 1u), _ring.UsedElement(1));
        Assert.Equal(0, _memory.Memory[readStatus]);
        Assert.Equal(0, _memory.Memory[writeStatus]);
        Assert.Equal(2, queue.NextAvail);
    }

    [Fact]
    public void ProcessAvailable_TranslatedDma_WholeChainAskedForBeforeItsFirstBufferIsTouched()
    {
        var queue = _ring.CreateQueue();
        var status = Request(0, VirtioBlkRequestType.In, 1, 1024);
        _ring.Publish(0);
        _memory.Log = [];

        Run(queue);

        var prefetches = _memory.Log.Where(e => e.Op == "prefetch").ToList();
        Assert.Equal([(0x10000UL, 16UL, AccessKind.Read), (0x20000UL, 1024UL, AccessKind.Write), (status, 1UL, AccessKind.Write)],
            prefetches.Select(e => (e.Address, e.Length, e.Kind)));
        var headerRead = _memory.Log.FindIndex(e => e.Op == "read" && e.Address == 0x10000UL);
        Assert.True(_memory.Log.LastIndexOf(prefetches[^1]) < headerRead, "the chain is asked for before the header is read");
    }

    [Fact]
    public void ProcessAvailable_EmptyQueue_NothingAndNoNotify()
    {
        var run = Run(_ring.CreateQueue());

        Assert.Equal(0, run.Completed);
        Assert.False(run.Notify);
    }

    [Fact]
    public void ProcessAvailable_LoopingChainWithWritableBuffer_IoErrInLastWritableByte()
    {
        var queue = _ring.CreateQueue();
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1);
        _ring.SetDesc(1, 0x30000, 1, Write | Next, next: 1); // loops on itself
        _memory.Memory[0x30000] = 0xff;
        _ring.Publish(0);

        var run = Run(queue);

        Assert.Equal(1, run.Completed);
        Assert.Equal(1, run.BadChains);
        Assert.Equal(1, run.Failed);
        Assert.Equal(ChainStatus.Loop, run.LastChainError);
        Assert.Equal(RequestOutcome.BadChain, run.LastFailure);
        Assert.Equal(1, _memory.Memory[0x30000]);
        Assert.Equal((0u, 1u), _ring.UsedElement(0));
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void ProcessAvailable_BadChainWithoutWritableBuffer_UsedLengthZero()
    {
        var queue = _ring.CreateQueue();
        _ring.SetDesc(5, 0x10000, 16, Next, next: 9); // next beyond the ring
        _ring.Publish(5);

        var run = Run(queue);

        Assert.Equal(1, run.Completed);
        Assert.Equal(1, run.StatusUnwritten);
        Assert.Equal(ChainStatus.NextOutOfRange, run.LastChainError);
        Assert.Equal((5u, 0u), _ring.UsedElement(0));
        Assert.Equal(1, _ring.UsedIdx);
    }

    [Fact]
    public void ProcessAvailable_FencedPayload_IoErrCompletedAndQueueKeepsGoing()
    {
        var queue = _ring.CreateQueue();
        var first = Request(0, VirtioBlkRequestType.In, 0, 512);
        var second = Request(3, VirtioBlkRequestType.Out, 0, 512);
        _ring.Publish(0, 3);
        _memory.FencePayload = true;

        var run = Run(queue);

        Assert.Equal(2, run.Completed);
        Assert.Equal(2, run.Failed);
        Assert.Equal(RequestOutcome.DmaFenced, run.LastFailure);
        Assert.Equal(1, _memory.Memory[first]);
        Assert.Equal(1, _memory.Memory[second]);
        Assert.Equal(2, _ring.UsedIdx);
        Assert.False(queue.IsFaulted);
    }

    [Fact]
    public void ProcessAvailable_AvailRingFaulting_ReportsQueueError()
    {
        var queue = _ring.CreateQueue();
        _memory.Fail(_ring.Avail, 16);

        var run = Run(queue);

        Assert.Equal(0, run.Completed);
        Assert.Equal(QueueErrorKind.AvailRingUnreadable, run.QueueError.Kind);
    }

    [Fact]
    public void ProcessAvailable_UsedRingUnwritable_StopsWithQueueError()
    {
        var queue = _ring.CreateQueue();
        Request(0, VirtioBlkRequestType.Flush, 0, 0);
        _ring.Publish(0, 0);
        _memory.Fail(_ring.Used, 0x100, DmaStatus.Fault, AccessKind.Write);

        var run = Run(queue);

        Assert.Equal(0, run.Completed);
        Assert.Equal(QueueErrorKind.UsedRingUnwritable, run.QueueError.Kind);
        Assert.Equal(1, queue.NextAvail); // the second head stays in the ring
    }

    [Fact]
    public void ProcessAvailable_StatusTranslationNeverAnswered_RequestLeftUnpublishedAndQueueStopped()
    {
        // Linux reads the status byte without looking at the used length: published without it, a failed
        // write would read as the OK its slot held from the request before.
        var queue = _ring.CreateQueue();
        var status = Request(0, VirtioBlkRequestType.Out, 4, 512);
        Request(3, VirtioBlkRequestType.Out, 5, 512);
        _ring.Publish(0, 3);
        _memory.Memory[status] = 0; // the OK a previous request left there
        _memory.Fail(0x20000, 512, DmaStatus.Unanswered, AccessKind.Read);
        _memory.Fail(status, 1, DmaStatus.Unanswered, AccessKind.Write);
        var seen = new List<(ushort Head, DmaStatus Status)>();

        var run = VirtioBlkQueueProcessor.ProcessAvailable(queue, _device, _chain, completed: (head, r) => seen.Add((head, r.StatusDma)));

        Assert.Equal(0, run.Completed);
        Assert.Equal(0, _ring.UsedIdx);
        Assert.Equal(QueueErrorKind.StatusUnwritable, run.QueueError.Kind);
        Assert.Equal((ulong)0, run.QueueError.Value); // head 0
        Assert.Equal(status, run.QueueError.Address);
        Assert.Equal(0, queue.NextUsed); // a restart fetches it again
        Assert.Equal([((ushort)0, DmaStatus.Unanswered)], seen);
        Assert.Equal(1, queue.NextAvail); // the second request was not touched
    }

    [Fact]
    public void ProcessAvailable_StatusUnwritableForGood_PublishedWithoutItAndReported()
    {
        // A status byte the driver put where no device can write (not a slow translation): nothing will
        // ever write it, so the request is completed with used length 0, and shown.
        var queue = _ring.CreateQueue();
        var status = Request(0, VirtioBlkRequestType.Out, 4, 512);
        _ring.Publish(0);
        _memory.Fail(status, 1, DmaStatus.Fault, AccessKind.Write);
        var seen = new List<ushort>();

        var run = VirtioBlkQueueProcessor.ProcessAvailable(queue, _device, _chain, completed: (head, _) => seen.Add(head));

        Assert.Equal((1, 1), (run.Completed, run.StatusUnwritten));
        Assert.Equal((0u, 0u), _ring.UsedElement(0));
        Assert.Equal([(ushort)0], seen);
    }

    [Fact]
    public void ProcessAvailable_EventIdxUsedEventAhead_SuppressesNotification()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        Request(0, VirtioBlkRequestType.Flush, 0, 0);
        _ring.Publish(0);
        Assert.True(Run(queue).Notify); // first completion after start: always

        _ring.UsedEvent = 3; // the driver wants an interrupt once used idx passes 3
        _ring.Publish(0);
        Assert.False(Run(queue).Notify); // used idx 2

        _ring.Publish(0);
        Assert.False(Run(queue).Notify); // used idx 3

        _ring.Publish(0);
        Assert.True(Run(queue).Notify); // used idx 4 passes 3
        Assert.Equal(4, _ring.AvailEvent); // and asks to be kicked for the next buffer
    }

    [Fact]
    public void ProcessAvailable_NoInterruptFlagWithoutEventIdx_NoNotify()
    {
        var queue = _ring.CreateQueue();
        Request(0, VirtioBlkRequestType.Flush, 0, 0);
        _ring.Publish(0);
        _ring.AvailFlags = (ushort)VringAvailFlags.NoInterrupt;

        var run = Run(queue);

        Assert.Equal(1, run.Completed);
        Assert.False(run.Notify);
    }

    [Fact]
    public void ProcessAvailable_IndirectRequest_Served()
    {
        var queue = _ring.CreateQueue();
        const ulong table = 0x40000;
        var h = _memory.Memory.AsSpan(0x10000, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)VirtioBlkRequestType.In);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], 2);
        _ring.SetDesc(0, table, 3 * 16, VringDescFlags.Indirect);
        _ring.SetDesc(0, 0x10000, 16, Next, next: 1, table: table);
        _ring.SetDesc(1, 0x20000, 512, Write | Next, next: 2, table: table);
        _ring.SetDesc(2, 0x30000, 1, Write, table: table);
        _ring.Publish(0);

        var run = Run(queue);

        Assert.Equal(0, run.Failed);
        Assert.Equal(_store.Data.AsSpan(1024, 512).ToArray(), _memory.Memory.AsSpan(0x20000, 512).ToArray());
        Assert.Equal(0, _memory.Memory[0x30000]);
    }

    [Fact]
    public void ProcessAvailable_SteadyState_AllocatesNothing()
    {
        var queue = _ring.CreateQueue(eventIdx: true);
        Request(0, VirtioBlkRequestType.In, 1, 1024);
        Request(3, VirtioBlkRequestType.Out, 2, 512);
        _ring.Publish(0, 3);
        Run(queue); // warm up: JIT, statics

        _ring.Publish(0, 3, 0, 3);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var run = Run(queue);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, run.Completed);
        Assert.Equal(0, allocated);
    }
}
