using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserLog (SET_LOG_BASE): where the dirty-page log lives in the fd sent alongside.
/// <code>
///  0           8             16
///  +-----------+-------------+
///  | mmap_size | mmap_offset |
///  +-----------+-------------+
/// </code>
/// </summary>
public readonly record struct LogDescription(ulong MmapSize, ulong MmapOffset)
{
    public const int Length = 16;

    public static LogDescription Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "log description");
        return new LogDescription(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "log description");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, MmapSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], MmapOffset);
    }
}
