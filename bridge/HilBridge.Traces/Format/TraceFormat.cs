using System.Buffers.Binary;

namespace HilBridge.Traces.Format;

/// <summary>Constants of the .hbt layout (see protos/trace.proto for the drawing).</summary>
public static class TraceFormat
{
    /// <summary>"HBTRACE\n": the newline catches text-mode transfers that mangle line ends.</summary>
    public static ReadOnlySpan<byte> Magic => "HBTRACE\n"u8;

    public const ushort Version = 1;

    /// <summary>Magic, u16 version, u16 flags.</summary>
    public const int FileHeaderBytes = 12;

    /// <summary>Largest frame payload a reader accepts: checked before buffering, so a corrupt length cannot make it allocate gigabytes.</summary>
    public const int MaxRecordBytes = 1 << 20;

    /// <summary>Length varint (at most 5 bytes for a 32-bit length) plus the CRC.</summary>
    public const int MaxFrameOverhead = 5 + 4;

    public const string Extension = ".hbt";

    internal static void WriteFileHeader(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], 0);
    }
}
