using System.Buffers.Binary;
using HilBridge.Core.Virtio;

namespace HilBridge.Live.Device;

/// <summary>
/// One queue's region of the inflight area (<see cref="InflightLayout"/>): marks each head in flight
/// when popped and clears it after its used element is published, in shared memory that QEMU keeps
/// across a back-end crash. Everything read back is treated as hostile: only heads below the region's
/// size (and the ring's) are ever indexed. The queue thread is the only writer while the ring runs.
/// </summary>
internal sealed unsafe class InflightQueue : IInflightTracker
{
    private readonly byte* _base;
    private readonly int _entries;
    private ulong _counter;

    /// <param name="regionBase">Start of this queue's region (inside a live mapping the owner keeps).</param>
    /// <param name="regionEntries">desc_num of the region (the queue size given with the area).</param>
    /// <param name="ringSize">The ring's size: heads beyond it cannot occur, heads beyond the region are not tracked.</param>
    public InflightQueue(nint regionBase, int regionEntries, int ringSize)
    {
        _base = (byte*)regionBase;
        _entries = Math.Min(regionEntries, ringSize);
    }

    /// <summary>Heads this region can track (a ring larger than the area is tracked only in part).</summary>
    public int Entries => _entries;

    public ushort Version
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(Span(InflightLayout.VersionOffset, 2));
        set => BinaryPrimitives.WriteUInt16LittleEndian(Span(InflightLayout.VersionOffset, 2), value);
    }

    public ushort UsedIdx
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(Span(InflightLayout.UsedIdxOffset, 2));
        private set => BinaryPrimitives.WriteUInt16LittleEndian(Span(InflightLayout.UsedIdxOffset, 2), value);
    }

    public ushort LastBatchHead
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(Span(InflightLayout.LastBatchHeadOffset, 2));
        private set => BinaryPrimitives.WriteUInt16LittleEndian(Span(InflightLayout.LastBatchHeadOffset, 2), value);
    }

    /// <summary>Whether <paramref name="head"/> is marked in flight.</summary>
    public bool IsInflight(ushort head) => head < _entries && Volatile.Read(ref *DescFlag(head)) == 1;

    public void Popped(ushort head)
    {
        if (head >= _entries)
        {
            return;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(Span(DescOffset(head) + InflightLayout.DescCounterOffset, 8), ++_counter);
        // The counter must be in memory before the flag that makes it count.
        Volatile.Write(ref *DescFlag(head), 1);
    }

    public void Publishing(ushort head)
    {
        if (head < _entries)
        {
            LastBatchHead = head;
        }
    }

    public void Published(ushort head, ushort usedIdx)
    {
        if (head >= _entries)
        {
            return;
        }

        Volatile.Write(ref *DescFlag(head), 0);
        Interlocked.MemoryBarrier();
        UsedIdx = usedIdx;
    }

    /// <summary>
    /// Reads back what a previous back-end left, given the ring's real used index, as libvhost-user's
    /// vu_check_queue_inflights does: a head whose publish completed but whose flag was not yet
    /// cleared is cleared; the heads still marked are returned in the order they were popped. Every
    /// flag is then cleared (the heads are marked again when popped again) and the area made current.
    /// A fresh area (version 0) holds nothing.
    /// </summary>
    public IReadOnlyList<ushort> TakeInflight(ushort usedIdx)
    {
        if (Version != InflightLayout.CurrentVersion)
        {
            // Zero: a new area or a VM reset. Anything else is not a layout we know: start over.
            for (var i = 0; i < _entries; i++)
            {
                *DescFlag((ushort)i) = 0;
            }

            Version = InflightLayout.CurrentVersion;
            UsedIdx = usedIdx;
            _counter = 0;
            return [];
        }

        if (UsedIdx != usedIdx && LastBatchHead < _entries)
        {
            Volatile.Write(ref *DescFlag(LastBatchHead), 0);
        }

        UsedIdx = usedIdx;

        var found = new List<(ulong Counter, ushort Head)>();
        ulong maxCounter = 0;
        for (var i = 0; i < _entries; i++)
        {
            var head = (ushort)i;
            var counter = BinaryPrimitives.ReadUInt64LittleEndian(Span(DescOffset(head) + InflightLayout.DescCounterOffset, 8));
            maxCounter = Math.Max(maxCounter, counter);
            if (Volatile.Read(ref *DescFlag(head)) != 0)
            {
                found.Add((counter, head));
                *DescFlag(head) = 0;
            }
        }
        _counter = maxCounter;
        found.Sort();
        return found.ConvertAll(f => f.Head);
    }

    private static int DescOffset(ushort head) => InflightLayout.HeaderSize + InflightLayout.DescStateSize * head;

    private byte* DescFlag(ushort head) => _base + DescOffset(head) + InflightLayout.DescInflightOffset;

    private Span<byte> Span(int offset, int length) => new(_base + offset, length);
}
