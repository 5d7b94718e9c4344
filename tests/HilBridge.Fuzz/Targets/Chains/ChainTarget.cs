using System.Buffers.Binary;
using HilBridge.Core.Blk;
using HilBridge.Core.Virtio;

namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>
/// Guest descriptor chains through the real <see cref="SplitVirtqueue"/> and
/// <see cref="VirtioBlkRequestProcessor"/>. Oracles: nothing throws; every DMA is a non-wrapping range;
/// every byte the device writes lies in the used ring or in a buffer some descriptor marked
/// device-writable; the disk is only touched inside its bounds; used ids name real heads; the
/// in-flight tracker sees each request popped, then published, in order; a second pass finds the ring
/// empty or faulted (no work invented); the device's DMA accesses stay within what the requests it
/// popped can need (a bound on work, counted, so a loop is reported instead of hanging the run).
/// </summary>
public sealed class ChainTarget : FuzzTarget<ChainCase>
{
    public override string Name => "chains";

    public override ChainCase Generate(FuzzRandom random) => ChainGenerator.Generate(random);

    public override string? Execute(ChainCase c)
    {
        if (!SplitVirtqueue.IsValidSize(c.QueueSize) || c.MemorySize is < 0 or > 1 << 24 || c.DiskSectors is < 0 or > 1 << 16)
        {
            return null; // not a ring a device could be given (the session refuses such sizes); a hand-edited corpus file
        }

        var memory = new byte[c.MemorySize];
        GuestImage.Apply(c.Writes, memory);
        // What the driver allowed can change under the device's feet (a buffer may overlap a
        // descriptor table), so the allowed set is the union over every state memory was in.
        var allowed = AllowedWrites(c, memory);
        bool IsAllowed(ulong address, int length)
        {
            if (Covered(allowed, address, length))
            {
                return true;
            }

            allowed.AddRange(AllowedWrites(c, memory));
            return Covered(allowed, address, length);
        }
        var tracker = new OrderTracker(c.QueueSize);
        var perRequest = AccessesPerRequest(c.QueueSize, c.DiskSectors);
        var dma = new CheckedDmaSpace(c.MemoryBase, memory)
        {
            FencePayload = c.FencePayload,
            IsWriteAllowed = IsAllowed,
            // Two requests' worth of slack: the one being popped, and each pass's own ring reads.
            Budget = () => (tracker.PoppedCount + 2) * perRequest,
        };
        var store = new CheckedBlockStore(c.DiskSectors);
        // A small scratch buffer so every transfer is chunked.
        var device = new VirtioBlkRequestProcessor(store, "fuzz", scratchBytes: ScratchBytes);
        var queue = new SplitVirtqueue(dma, c.QueueSize, c.Desc, c.Avail, c.Used, c.NextAvail, c.EventIdx);
        var chain = new List<DescriptorSegment>();

        var first = VirtioBlkQueueProcessor.ProcessAvailable(queue, device, chain, tracker);
        var second = VirtioBlkQueueProcessor.ProcessAvailable(queue, device, chain, tracker);

        if (dma.Problems.Count > 0)
        {
            return dma.Problems[0];
        }

        if (store.Problems.Count > 0)
        {
            return store.Problems[0];
        }

        if (tracker.Problem is { } order)
        {
            return order;
        }

        if (second.Completed > 0 && !first.QueueError.IsNone)
        {
            return "a faulted queue completed requests on the next pass";
        }

        if (first.Completed + second.Completed != tracker.PublishedCount)
        {
            return $"{first.Completed + second.Completed} completions reported, {tracker.PublishedCount} published";
        }

        Span<byte> element = stackalloc byte[8];
        for (var k = 0; k < tracker.PublishedCount; k++)
        {
            var slot = c.Used + 4 + 8UL * (uint)((ushort)(c.NextAvail + k) & (c.QueueSize - 1));
            if (dma.Read(slot, element, Core.Dma.DmaPurpose.Control) == Core.Dma.DmaStatus.Ok)
            {
                var id = BinaryPrimitives.ReadUInt32LittleEndian(element);
                if (id >= c.QueueSize && !Overlaps(c, slot) && !InDeviceWritableBuffer(c, allowed, slot))
                {
                    return $"used element {k} names head {id} of a {c.QueueSize}-entry queue";
                }
            }
        }
        return null;
    }

    private const int ScratchBytes = 1536;

    /// <summary>
    /// Most DMA accesses a correct device makes for one popped request: the pop (avail idx, avail_event,
    /// the entry), the walk (at most every descriptor of the queue and of one indirect table), header
    /// pieces (16 bytes: at most 16), data (a piece per segment plus a chunk per scratch buffer of the
    /// disk, which bounds any valid transfer), GET_ID pieces (20 bytes), status, the used element and idx.
    /// </summary>
    private static long AccessesPerRequest(ushort queueSize, int diskSectors)
    {
        long descriptors = queueSize + SplitVirtqueue.MaxIndirectEntries;
        long chunks = (long)diskSectors * VirtioBlkRequestProcessor.SectorSize / ScratchBytes + 1;
        return 4 + descriptors + 16 + (descriptors + chunks) + 20 + 1 + 2 + 8;
    }

    private static bool Covered(List<(ulong Start, ulong Last)> allowed, ulong address, int length)
    {
        foreach (var (start, last) in allowed)
        {
            if (address >= start && address <= last && (ulong)(length - 1) <= last - address)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The used ring, plus every buffer a descriptor (direct or in an indirect table) marks device-writable.</summary>
    private static List<(ulong Start, ulong End)> AllowedWrites(ChainCase c, byte[] memory)
    {
        var allowed = new List<(ulong, ulong)>();
        Add(allowed, c.Used, 6 + 8UL * c.QueueSize);
        for (var i = 0; i < c.QueueSize; i++)
        {
            if (!TryDescriptor(c, memory, c.Desc + 16UL * (ulong)i, out var address, out var length, out var flags))
            {
                continue;
            }

            if ((flags & (ushort)VringDescFlags.Write) != 0)
            {
                Add(allowed, address, length);
            }

            if ((flags & (ushort)VringDescFlags.Indirect) != 0 && length % 16 == 0)
            {
                for (var j = 0UL; j < Math.Min(length / 16, (ulong)SplitVirtqueue.MaxIndirectEntries); j++)
                {
                    if (TryDescriptor(c, memory, address + 16 * j, out var a, out var l, out var f) && (f & (ushort)VringDescFlags.Write) != 0)
                    {
                        Add(allowed, a, l);
                    }
                }
            }
        }
        return allowed;
    }

    private static bool TryDescriptor(ChainCase c, byte[] memory, ulong at, out ulong address, out uint length, out ushort flags)
    {
        address = 0;
        length = 0;
        flags = 0;
        var offset = at - c.MemoryBase;
        if (at < c.MemoryBase || offset > (ulong)memory.Length - 16 || memory.Length < 16)
        {
            return false;
        }

        var d = memory.AsSpan((int)offset, 16);
        address = BinaryPrimitives.ReadUInt64LittleEndian(d);
        length = BinaryPrimitives.ReadUInt32LittleEndian(d[8..]);
        flags = BinaryPrimitives.ReadUInt16LittleEndian(d[12..]);
        return true;
    }

    private static void Add(List<(ulong, ulong)> allowed, ulong start, ulong length)
    {
        if (length == 0)
        {
            return;
        }
        // Inclusive last byte: a buffer may end at the very top of the address space.
        var last = length - 1 > ulong.MaxValue - start ? ulong.MaxValue : start + (length - 1);
        allowed.Add((start, last));
    }

    /// <summary>
    /// A used element inside a buffer the driver made device-writable may have been overwritten by the
    /// device's later (allowed) write into that buffer: a driver that lays a read buffer over its own used
    /// ring corrupts it itself. Coverage-guided fuzzing found such rings (4 inputs, kept in the corpus).
    /// </summary>
    private static bool InDeviceWritableBuffer(ChainCase c, List<(ulong Start, ulong Last)> allowed, ulong slot)
    {
        var usedList = new List<(ulong, ulong)>();
        Add(usedList, c.Used, 6 + 8UL * c.QueueSize);
        var usedRing = usedList.Count > 0 ? usedList[0] : default;
        var slotLast = slot > ulong.MaxValue - 7 ? ulong.MaxValue : slot + 7;
        return allowed.Any(a => a != usedRing && a.Start <= slotLast && slot <= a.Last);
    }

    /// <summary>A used element the guest's own rings overlap may have been rewritten by a later device write: not checkable.</summary>
    private static bool Overlaps(ChainCase c, ulong slot) =>
        slot - c.Desc < 16UL * c.QueueSize || slot - c.Avail < 6 + 2UL * c.QueueSize;

    /// <summary>Checks the inflight tracker's calls come in the documented order, for heads that exist.</summary>
    private sealed class OrderTracker(ushort size) : IInflightTracker
    {
        private int? _current;
        private bool _publishing;

        public string? Problem { get; private set; }

        public int PublishedCount { get; private set; }

        public long PoppedCount { get; private set; }

        public void Popped(ushort head)
        {
            PoppedCount++;
            if (head >= size)
            {
                Problem ??= $"popped head {head} of a {size}-entry queue";
            }
            // A request that failed to publish stays in flight; the next pop may follow it.
            _current = head;
            _publishing = false;
        }

        public void Publishing(ushort head)
        {
            if (_current != head)
            {
                Problem ??= $"publishing head {head} while {_current} was popped";
            }

            _publishing = true;
        }

        public void Published(ushort head, ushort usedIdx)
        {
            if (_current != head || !_publishing)
            {
                Problem ??= $"published head {head} out of order";
            }

            _current = null;
            PublishedCount++;
        }
    }
}
