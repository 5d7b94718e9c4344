using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// struct vhost_vring_state: SET_VRING_NUM/BASE/ENABLE/ENDIAN, GET_VRING_BASE and its reply.
/// <code>
///  0       4       8
///  +-------+-------+
///  | index |  num  |
///  +-------+-------+
/// </code>
/// </summary>
public readonly record struct VringState(uint Index, uint Num)
{
    public const int Length = 8;

    public static VringState Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "vring state");
        return new VringState(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "vring state");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Num);
    }
}
