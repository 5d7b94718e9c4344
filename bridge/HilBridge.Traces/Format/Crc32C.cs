using System.Buffers.Binary;
using System.Numerics;

namespace HilBridge.Traces.Format;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of every trace frame. BitOperations.Crc32C uses the SSE4.2 /
/// ARMv8 CRC instructions when present (a software table otherwise), so no package is needed.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        // The tail in at most three steps, not one per byte (most records are a few dozen bytes).
        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }

        if (data.Length >= 2)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt16LittleEndian(data));
            data = data[2..];
        }

        if (data.Length == 1)
        {
            crc = BitOperations.Crc32C(crc, data[0]);
        }

        return ~crc;
    }
}
