using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserConfig (GET_CONFIG request and reply, SET_CONFIG). QEMU sends exactly 12 + size bytes
/// and requires the GET_CONFIG reply to have the same size; a zero-size reply signals failure.
/// <code>
///  0        4      8       12                 12 + size (size &lt;= 256)
///  +--------+------+-------+------------------+
///  | offset | size | flags | config bytes     |
///  +--------+------+-------+------------------+
/// </code>
/// </summary>
public readonly record struct ConfigHeader(uint Offset, uint Size, ConfigFlags Flags)
{
    public const int Length = 12;

    /// <summary>Payload length for this header (header plus the config bytes).</summary>
    public int PayloadLength => Length + (int)Size;

    /// <summary>Decodes and validates the header; <paramref name="data"/> is the config bytes that follow.</summary>
    public static ConfigHeader Read(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> data)
    {
        if (payload.Length < Length)
        {
            throw new VhostUserProtocolException($"config payload of {payload.Length} bytes is shorter than its {Length}-byte header");
        }

        var header = new ConfigHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            (ConfigFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        if (header.Size > VhostUserLimits.MaxConfigSize)
        {
            throw new VhostUserProtocolException($"config size {header.Size} exceeds {VhostUserLimits.MaxConfigSize}");
        }

        PayloadGuard.ExpectLength(payload, header.PayloadLength, $"config with size {header.Size}");
        data = payload[Length..];
        return header;
    }

    /// <summary>Writes only the 12-byte header (for replies whose config bytes are filled in place).</summary>
    public void WriteHeader(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "config header");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Size);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Flags);
    }

    /// <summary>Writes the header and <paramref name="data"/> (whose length must equal Size); returns bytes written.</summary>
    public int Write(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (Size > VhostUserLimits.MaxConfigSize || data.Length != (int)Size)
        {
            throw new ArgumentException($"config data must be {Size} bytes and at most {VhostUserLimits.MaxConfigSize}", nameof(data));
        }

        PayloadGuard.ExpectDestination(destination, PayloadLength, "config");
        WriteHeader(destination);
        data.CopyTo(destination[Length..]);
        return PayloadLength;
    }
}

/// <summary>VhostUserConfig.flags.</summary>
public enum ConfigFlags : uint
{
    /// <summary>A guest write to a writable field.</summary>
    Writable = 0,
    /// <summary>Restoring state during live migration: read-only fields may be written too.</summary>
    LiveMigration = 1,
}
