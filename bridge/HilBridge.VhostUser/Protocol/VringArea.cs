using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserVringArea (back-end channel VRING_HOST_NOTIFIER_MSG): u64 holds the vring index and the
/// NOFD bit as in <see cref="VringFileIndex"/>.
/// <code>
///  0     8      16       24
///  +-----+------+--------+
///  | u64 | size | offset |
///  +-----+------+--------+
/// </code>
/// </summary>
public readonly record struct VringArea(ulong IndexAndFlags, ulong Size, ulong Offset)
{
    public const int Length = 24;

    public static VringArea Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "vring area");
        return new VringArea(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "vring area");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, IndexAndFlags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Size);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Offset);
    }
}
