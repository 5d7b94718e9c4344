using System.Buffers.Binary;

namespace HilBridge.Core.Blk;

/// <summary>
/// The virtio-blk configuration space (struct virtio_blk_config, VIRTIO 1.2 5.2.4) up to the
/// write-zeroes fields, built once; VHOST_USER_GET_CONFIG reads slices of it.
/// <code>
///  0 le64 capacity (512-byte sectors)    24 u8 physical_block_exp   36 le32 max_discard_sectors
///  8 le32 size_max                       25 u8 alignment_offset     40 le32 max_discard_seg
/// 12 le32 seg_max                        26 le16 min_io_size        44 le32 discard_sector_alignment
/// 16 le16 cylinders                      28 le32 opt_io_size        48 le32 max_write_zeroes_sectors
/// 18 u8 heads                            32 u8 writeback            52 le32 max_write_zeroes_seg
/// 19 u8 sectors                          33 u8 unused0              56 u8 write_zeroes_may_unmap
/// 20 le32 blk_size                       34 le16 num_queues         57 u8 unused1[3]
/// </code>
/// Fields whose feature is not offered (size_max, geometry, topology, writeback, discard, write zeroes) stay zero by default.
/// </summary>
public sealed class VirtioBlkConfig
{
    /// <summary>Bytes up to and including unused1; later fields (secure erase, zoned) read as zero.</summary>
    public const int Length = 60;

    /// <summary>QEMU's default for a 128-entry queue: queue size minus header and status descriptors.</summary>
    public const uint DefaultSegMax = 126;

    private readonly byte[] _bytes = new byte[Length];

    /// <exception cref="ArgumentOutOfRangeException">blockSize is not a power of two of at least 512, or numQueues is 0.</exception>
    public VirtioBlkConfig(
        ulong capacitySectors, uint segMax = DefaultSegMax, uint blockSize = 512, ushort numQueues = 1,
        uint sizeMax = 0, bool writeback = false)
    {
        if (blockSize < 512 || (blockSize & (blockSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "block size must be a power of two of at least 512");
        }

        ArgumentOutOfRangeException.ThrowIfZero(numQueues);

        CapacitySectors = capacitySectors;
        SegMax = segMax;
        BlockSize = blockSize;
        NumQueues = numQueues;
        SizeMax = sizeMax;
        Writeback = writeback;

        var b = _bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(b, capacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], sizeMax);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], segMax);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], blockSize);
        // Only read by drivers that negotiated CONFIG_WCE (not offered); kept settable for completeness.
        b[32] = writeback ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(b[34..], numQueues);
    }

    /// <summary>A config for a store: capacity from its length.</summary>
    public static VirtioBlkConfig For(IBlockStore store, ushort numQueues = 1, uint segMax = DefaultSegMax)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new VirtioBlkConfig((ulong)store.Length / 512, segMax, numQueues: numQueues);
    }

    public ulong CapacitySectors { get; }
    public uint SegMax { get; }
    public uint BlockSize { get; }
    public ushort NumQueues { get; }
    public uint SizeMax { get; }
    public bool Writeback { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>
    /// Copies the config bytes at <paramref name="offset"/> into <paramref name="destination"/> and
    /// zeroes the rest of it (QEMU may ask for a longer struct than we describe). Returns the bytes copied.
    /// </summary>
    public int Read(uint offset, Span<byte> destination)
    {
        var available = offset < Length ? Length - (int)offset : 0;
        var count = Math.Min(available, destination.Length);
        if (count > 0)
        {
            _bytes.AsSpan((int)offset, count).CopyTo(destination);
        }

        destination[count..].Clear();
        return count;
    }
}
