using System.Buffers.Binary;
using HilBridge.Core.Virtio;

namespace HilBridge.Core.Tests.Virtio;

/// <summary>The driver's side of a split ring in a <see cref="TestDmaSpace"/>, for crafting rings byte by byte.</summary>
internal sealed class SplitRing
{
    public const ulong DefaultDesc = 0x1000;
    public const ulong DefaultAvail = 0x4000;
    public const ulong DefaultUsed = 0x5000;

    private readonly TestDmaSpace _memory;

    public SplitRing(TestDmaSpace memory, ushort size = 16, ulong desc = DefaultDesc, ulong avail = DefaultAvail, ulong used = DefaultUsed)
    {
        _memory = memory;
        Size = size;
        Desc = desc;
        Avail = avail;
        Used = used;
    }

    public ushort Size { get; }
    public ulong Desc { get; }
    public ulong Avail { get; }
    public ulong Used { get; }

    private Span<byte> M => _memory.Memory;

    public SplitVirtqueue CreateQueue(bool eventIdx = false, ushort nextAvail = 0, ulong maxChainBytes = SplitVirtqueue.DefaultMaxChainBytes) =>
        new(_memory, Size, Desc, Avail, Used, nextAvail, eventIdx, maxChainBytes);

    /// <summary>Writes descriptor <paramref name="index"/> of the ring's table, or of the table at <paramref name="table"/>.</summary>
    public void SetDesc(int index, ulong address, uint length, VringDescFlags flags = VringDescFlags.None, ushort next = 0, ulong? table = null)
    {
        var d = M.Slice((int)((table ?? Desc) + 16UL * (uint)index), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
    }

    public ushort AvailIdx
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(M[(int)(Avail + 2)..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(M[(int)(Avail + 2)..], value);
    }

    public ushort AvailFlags
    {
        set => BinaryPrimitives.WriteUInt16LittleEndian(M[(int)Avail..], value);
    }

    public ushort UsedEvent
    {
        set => BinaryPrimitives.WriteUInt16LittleEndian(M[(int)(Avail + 4 + 2UL * Size)..], value);
    }

    public ushort UsedIdx => BinaryPrimitives.ReadUInt16LittleEndian(M[(int)(Used + 2)..]);

    public ushort AvailEvent => BinaryPrimitives.ReadUInt16LittleEndian(M[(int)(Used + 4 + 8UL * Size)..]);

    /// <summary>Puts heads in the avail ring at the current idx, then bumps idx past them.</summary>
    public void Publish(params ushort[] heads)
    {
        var idx = AvailIdx;
        foreach (var head in heads)
        {
            SetAvailEntry(idx, head);
            idx++;
        }
        AvailIdx = idx;
    }

    public void SetAvailEntry(ushort idx, ushort head) =>
        BinaryPrimitives.WriteUInt16LittleEndian(M[(int)(Avail + 4 + 2UL * (uint)(idx % Size))..], head);

    public (uint Id, uint Length) UsedElement(ushort idx)
    {
        var e = M[(int)(Used + 4 + 8UL * (uint)(idx % Size))..];
        return (BinaryPrimitives.ReadUInt32LittleEndian(e), BinaryPrimitives.ReadUInt32LittleEndian(e[4..]));
    }
}
