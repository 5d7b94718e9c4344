using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// struct vhost_vring_addr (SET_VRING_ADDR). With ACCESS_PLATFORM the ring addresses are IOVAs that
/// go through the device IOTLB; otherwise they are front-end user addresses.
/// <code>
///  0       4       8          16         24          32         40
///  +-------+-------+----------+----------+-----------+----------+
///  | index | flags | desc     | used     | avail     | log      |
///  +-------+-------+----------+----------+-----------+----------+
/// </code>
/// </summary>
public readonly record struct VringAddress(
    uint Index, VringAddressFlags Flags, ulong DescriptorTable, ulong UsedRing, ulong AvailableRing, ulong LogGuestAddress)
{
    public const int Length = 40;

    public static VringAddress Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "vring address");
        return new VringAddress(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (VringAddressFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[32..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "vring address");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], DescriptorTable);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], UsedRing);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], AvailableRing);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[32..], LogGuestAddress);
    }
}

/// <summary>Flags of <see cref="VringAddress"/>.</summary>
[Flags]
public enum VringAddressFlags : uint
{
    None = 0,
    /// <summary>VHOST_VRING_F_LOG: log writes to the used ring at LogGuestAddress.</summary>
    Log = 1,
}
