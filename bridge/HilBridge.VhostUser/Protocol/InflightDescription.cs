using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserInflight (GET/SET_INFLIGHT_FD). The C struct has 20 bytes of fields and is padded to
/// 24 by its 8-byte alignment; QEMU 7.2 sends and expects 24. Packed encoders send 20, also accepted.
/// <code>
///  0           8             16           18           20          24
///  +-----------+-------------+------------+------------+-----------+
///  | mmap_size | mmap_offset | num_queues | queue_size | (padding) |
///  +-----------+-------------+------------+------------+-----------+
/// </code>
/// </summary>
public readonly record struct InflightDescription(ulong MmapSize, ulong MmapOffset, ushort NumQueues, ushort QueueSize)
{
    public const int Length = 24;
    public const int PackedLength = 20;

    public static InflightDescription Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != Length && payload.Length != PackedLength)
        {
            throw new VhostUserProtocolException($"inflight payload must be {Length} (or packed {PackedLength}) bytes, got {payload.Length}");
        }

        return new InflightDescription(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[16..]),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[18..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "inflight description");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, MmapSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], MmapOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[16..], NumQueues);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], QueueSize);
        destination.Slice(20, 4).Clear();
    }
}
