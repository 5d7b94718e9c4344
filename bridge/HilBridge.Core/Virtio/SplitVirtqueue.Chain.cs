using System.Buffers.Binary;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Virtio;

public sealed partial class SplitVirtqueue
{
    /// <summary>
    /// Most entries an indirect table may have: QEMU's VIRTQUEUE_MAX_SIZE, which also bounds the
    /// scatter-gather lists it builds, so no driver QEMU works with needs more.
    /// </summary>
    public const int MaxIndirectEntries = 1024;

    private const int DescriptorSize = 16;

    /// <summary>
    /// Walks the chain starting at <paramref name="head"/> into <paramref name="segments"/> (cleared
    /// first, reused so the hot path allocates nothing), following direct links and at most one indirect
    /// table. On failure <paramref name="segments"/> keeps the buffers read before the bad descriptor,
    /// so a caller can still try to complete the request.
    /// Every descriptor read is a Control DMA; the rules are those of VIRTIO 1.2 2.7.5 (device-readable
    /// buffers first, no INDIRECT with NEXT, no nested tables) plus loop and size bounds.
    /// </summary>
    public ChainStatus ReadChain(ushort head, List<DescriptorSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        segments.Clear();
        if (head >= Size)
        {
            return ChainStatus.HeadOutOfRange;
        }

        Span<byte> raw = stackalloc byte[DescriptorSize];
        var table = DescTable;
        uint tableEntries = Size;
        uint index = head;
        uint visited = 0;
        var indirect = false;
        var writableSeen = false;
        ulong total = 0;

        while (true)
        {
            // Each table holds tableEntries descriptors, so a chain that visits more must revisit one.
            if (++visited > tableEntries)
            {
                return ChainStatus.Loop;
            }

            if (_dma.Read(table + DescriptorSize * (ulong)index, raw, DmaPurpose.Control) != DmaStatus.Ok)
            {
                return ChainStatus.DescriptorUnreadable;
            }

            var address = BinaryPrimitives.ReadUInt64LittleEndian(raw);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
            var flags = (VringDescFlags)BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]);
            var next = BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]);

            if ((flags & VringDescFlags.Indirect) != 0)
            {
                if (indirect)
                {
                    return ChainStatus.NestedIndirect;
                }

                if ((flags & VringDescFlags.Next) != 0)
                {
                    return ChainStatus.IndirectWithNext;
                }

                if (length == 0 || length % DescriptorSize != 0 || length / DescriptorSize > MaxIndirectEntries
                    || Wraps(address, length))
                {
                    return ChainStatus.BadIndirectTable;
                }

                table = address;
                tableEntries = length / DescriptorSize;
                index = 0;
                visited = 0;
                indirect = true;
                continue;
            }

            var writable = (flags & VringDescFlags.Write) != 0;
            if (!writable && writableSeen)
            {
                return ChainStatus.ReadableAfterWritable;
            }

            if (length != 0 && Wraps(address, length))
            {
                return ChainStatus.BufferWraps;
            }

            total += length; // at most (32768 + 1024) · 4 GiB: no overflow
            if (total > MaxChainBytes)
            {
                return ChainStatus.TooLong;
            }

            writableSeen |= writable;
            segments.Add(new DescriptorSegment(address, length, writable));

            if ((flags & VringDescFlags.Next) == 0)
            {
                return ChainStatus.Ok;
            }

            if (next >= tableEntries)
            {
                return ChainStatus.NextOutOfRange;
            }

            index = next;
        }
    }
}
