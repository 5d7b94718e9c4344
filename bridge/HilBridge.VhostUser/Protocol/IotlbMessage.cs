using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// struct vhost_iotlb_msg (IOTLB_MSG on the main channel, BACKEND IOTLB_MSG on the back-end channel).
/// The C struct is 26 bytes of fields padded to 8-byte alignment: 32 bytes on the wire.
/// <code>
///  0        8        16       24     25     26          32
///  +--------+--------+--------+------+------+-----------+
///  | iova   | size   | uaddr  | perm | type | padding   |
///  +--------+--------+--------+------+------+-----------+
/// </code>
/// QEMU 7.2 builds the struct on the stack without zeroing it: padding is garbage, and an
/// INVALIDATE's uaddr and perm are garbage too. Decoding therefore ignores padding and leaves the
/// meaning of fields to the message type.
/// </summary>
public readonly record struct IotlbMessage(
    ulong Iova, ulong Size, ulong UserAddress, IotlbPermission Permission, IotlbMessageType Type)
{
    public const int Length = 32;

    public static IotlbMessage Update(ulong iova, ulong size, ulong userAddress, IotlbPermission permission) =>
        new(iova, size, userAddress, permission, IotlbMessageType.Update);

    public static IotlbMessage Invalidate(ulong iova, ulong size) =>
        new(iova, size, 0, IotlbPermission.None, IotlbMessageType.Invalidate);

    public static IotlbMessage Miss(ulong iova, IotlbPermission permission) =>
        new(iova, 0, 0, permission, IotlbMessageType.Miss);

    /// <summary>Last IOVA covered, or null for an empty or wrapping range.</summary>
    public ulong? LastIova => Size == 0 || Iova + (Size - 1) < Iova ? null : Iova + (Size - 1);

    public static IotlbMessage Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "IOTLB message");
        return new IotlbMessage(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]),
            (IotlbPermission)payload[24],
            (IotlbMessageType)payload[25]);
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "IOTLB message");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Iova);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Size);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], UserAddress);
        destination[24] = (byte)Permission;
        destination[25] = (byte)Type;
        destination.Slice(26, 6).Clear();
    }
}

/// <summary>vhost_iotlb_msg.type.</summary>
public enum IotlbMessageType : byte
{
    /// <summary>Back-end to front-end: no translation for iova with perm.</summary>
    Miss = 1,
    /// <summary>Front-end to back-end: iova..iova+size maps to uaddr with perm.</summary>
    Update = 2,
    /// <summary>Front-end to back-end: drop translations overlapping iova..iova+size; the ack completes the invalidation.</summary>
    Invalidate = 3,
    /// <summary>Back-end to front-end: an access through a translation failed.</summary>
    AccessFail = 4,
    /// <summary>Kernel vhost batching; not used by vhost-user in QEMU 7.2.</summary>
    BatchBegin = 5,
    /// <summary>Kernel vhost batching; not used by vhost-user in QEMU 7.2.</summary>
    BatchEnd = 6,
}

/// <summary>vhost_iotlb_msg.perm (VHOST_ACCESS_*).</summary>
[Flags]
public enum IotlbPermission : byte
{
    None = 0,
    ReadOnly = 1,
    WriteOnly = 2,
    ReadWrite = 3,
}
