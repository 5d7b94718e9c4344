using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserMemoryRegion: one guest memory region backed by the fd sent with the message.
/// The back-end maps <c>MemorySize + MmapOffset</c> bytes of the fd and finds the region at
/// <c>base + MmapOffset</c>; <c>UserspaceAddress</c> is the front-end's own virtual address of the
/// region, which is what IOTLB UPDATE messages translate IOVAs to.
/// <code>
///  0                 8             16                24            32
///  +-----------------+-------------+-----------------+-------------+
///  | guest_phys_addr | memory_size | userspace_addr  | mmap_offset |
///  +-----------------+-------------+-----------------+-------------+
/// </code>
/// </summary>
public readonly record struct MemoryRegionDescription(
    ulong GuestPhysicalAddress, ulong MemorySize, ulong UserspaceAddress, ulong MmapOffset)
{
    public const int Length = 32;

    public static MemoryRegionDescription Read(ReadOnlySpan<byte> source)
    {
        PayloadGuard.ExpectLength(source, Length, "memory region");
        return new MemoryRegionDescription(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "memory region");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, GuestPhysicalAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], MemorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], UserspaceAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], MmapOffset);
    }

    /// <summary>True if [address, address + length) lies inside the region's user address range.</summary>
    public bool ContainsUserRange(ulong address, ulong length) =>
        address >= UserspaceAddress
        && address - UserspaceAddress <= MemorySize
        && length <= MemorySize - (address - UserspaceAddress);
}
