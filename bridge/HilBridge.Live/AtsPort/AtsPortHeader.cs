using System.Buffers.Binary;

namespace HilBridge.Live.AtsPort;

/// <summary>
/// The 8-byte header in front of every ATS port message; all integers little-endian.
/// <code>
///   0       2       4               8
///   +-------+-------+---------------+--------------------
///   | type  | flags |    length     | payload (length bytes)
///   +-------+-------+---------------+--------------------
/// </code>
/// </summary>
public readonly record struct AtsPortHeader(AtsPortMessageType Type, ushort Flags, uint Length)
{
    public const int Size = 8;

    /// <summary>The largest payload either side sends or accepts (QEMU's SMMU_ATS_PORT_MAX_PAYLOAD).</summary>
    public const int MaxPayload = 248;

    public static AtsPortHeader Read(ReadOnlySpan<byte> source) => new(
        (AtsPortMessageType)BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Length);
    }
}
