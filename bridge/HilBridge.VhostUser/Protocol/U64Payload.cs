using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// The single 64-bit integer payload (features, protocol features, acks, queue count, status).
/// <code>
///  0               8
///  +---------------+
///  |      u64      |
///  +---------------+
/// </code>
/// </summary>
public static class U64Payload
{
    public const int Length = 8;

    public static ulong Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "u64");
        return BinaryPrimitives.ReadUInt64LittleEndian(payload);
    }

    public static void Write(ulong value, Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "u64");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
    }
}
