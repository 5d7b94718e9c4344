using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserMemRegMsg: the payload of ADD_MEM_REG (with one fd) and REM_MEM_REG.
/// <code>
///  0         8                                    40
///  +---------+------------------------------------+
///  | padding | region (MemoryRegionDescription)   |
///  +---------+------------------------------------+
/// </code>
/// </summary>
public static class MemoryRegionMessage
{
    public const int Length = 8 + MemoryRegionDescription.Length;

    public static MemoryRegionDescription Read(ReadOnlySpan<byte> payload)
    {
        PayloadGuard.ExpectLength(payload, Length, "single memory region");
        return MemoryRegionDescription.Read(payload.Slice(8, MemoryRegionDescription.Length));
    }

    public static void Write(in MemoryRegionDescription region, Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "single memory region");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, 0);
        region.Write(destination[8..]);
    }
}
