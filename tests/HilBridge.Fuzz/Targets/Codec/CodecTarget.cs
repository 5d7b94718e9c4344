using HilBridge.VhostUser.Protocol;

namespace HilBridge.Fuzz.Targets.Codec;

/// <summary>One payload handed to one decoder.</summary>
public sealed record CodecCase(string Decoder, string Hex);

/// <summary>
/// Every vhost-user payload decoder on bytes of every length (mostly near the right one, with edge
/// values in the fields). Oracles: a decoder either returns or throws <see cref="VhostUserProtocolException"/>
/// (never anything else); what it returns re-encodes to the same bytes (padding and ignored fields aside).
/// </summary>
public sealed class CodecTarget : FuzzTarget<CodecCase>
{
    private static readonly (string Name, int Length)[] Decoders =
    [
        ("header", VhostUserHeader.Length), ("u64", U64Payload.Length), ("vring-state", VringState.Length),
        ("vring-address", VringAddress.Length), ("vring-file", U64Payload.Length), ("memory-table", MemoryTableMessage.LengthFor(2)),
        ("memory-region", MemoryRegionMessage.Length), ("iotlb", IotlbMessage.Length), ("config", ConfigHeader.Length + 8),
        ("inflight", InflightDescription.Length), ("log", LogDescription.Length),
    ];

    /// <summary>The decoders' names, in a fixed order (a byte-level input picks one by its first byte).</summary>
    public static IReadOnlyList<string> DecoderNames { get; } = Decoders.Select(d => d.Name).ToArray();

    public override string Name => "codec";

    public override CodecCase Generate(FuzzRandom r)
    {
        var (name, length) = r.Pick(Decoders);
        var size = r.Next(6) switch
        {
            0 => r.Next(0, 80),
            1 => length + r.Next(-2, 3),
            2 => name == "memory-table" ? MemoryTableMessage.LengthFor(r.Next(0, 10)) : length,
            3 => name == "config" ? ConfigHeader.Length + r.Next(0, 300) : length,
            _ => Math.Max(0, length),
        };
        var bytes = r.Bytes(Math.Max(0, size));
        // Counts and sizes in range often enough to get past the first check.
        if (bytes.Length >= 4 && r.Chance(0.5))
        {
            if (name == "memory-table")
            {
                BitConverter.TryWriteBytes(bytes, (uint)r.Next(0, 10));
            }

            if (name == "config" && bytes.Length >= 8)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(4), (uint)Math.Max(0, bytes.Length - ConfigHeader.Length + r.Next(-1, 2)));
            }

            if (name == "vring-file" && bytes.Length >= 8)
            {
                BitConverter.TryWriteBytes(bytes, (ulong)r.Next(0, 0x300));
            }
        }
        return new CodecCase(name, Convert.ToHexString(bytes));
    }

    public override string? Execute(CodecCase c)
    {
        var bytes = Convert.FromHexString(c.Hex);
        try
        {
            switch (c.Decoder)
            {
                case "header": return RoundTrip(bytes, VhostUserHeader.Read(bytes), (v, d) => v.Write(d), VhostUserHeader.Length);
                case "u64": return RoundTrip(bytes, U64Payload.Read(bytes), (v, d) => U64Payload.Write(v, d), U64Payload.Length);
                case "vring-state": return RoundTrip(bytes, VringState.Read(bytes), (v, d) => v.Write(d), VringState.Length);
                case "vring-address": return RoundTrip(bytes, VringAddress.Read(bytes), (v, d) => v.Write(d), VringAddress.Length);
                case "vring-file": return RoundTrip(bytes, VringFileIndex.Read(bytes), (v, d) => v.Write(d), U64Payload.Length);
                case "memory-table": return MemoryTableRoundTrip(bytes);
                case "memory-region":
                    var region = MemoryRegionMessage.Read(bytes);
                    return RoundTrip(bytes.AsSpan(8), region, (v, d) => v.Write(d), MemoryRegionDescription.Length);
                case "iotlb":
                    // Padding is ignored by design (QEMU 7.2 sends garbage there).
                    return RoundTrip(bytes, IotlbMessage.Read(bytes), (v, d) => v.Write(d), 26);
                case "config": return ConfigRoundTrip(bytes);
                case "inflight": return RoundTrip(bytes, InflightDescription.Read(bytes), (v, d) => v.Write(d), InflightDescription.PackedLength);
                case "log": return RoundTrip(bytes, LogDescription.Read(bytes), (v, d) => v.Write(d), LogDescription.Length);
                default: return null;
            }
        }
        catch (VhostUserProtocolException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            return null; // refused, with a message: what a malformed payload should get
        }
    }

    /// <summary>Re-encodes <paramref name="value"/> and compares the first <paramref name="compared"/> bytes with the input.</summary>
    private static string? RoundTrip<T>(ReadOnlySpan<byte> original, T value, WriteAction<T> write, int compared)
    {
        Span<byte> encoded = stackalloc byte[Math.Max(64, compared)];
        var full = encoded[..Math.Max(compared, Length(value))];
        write(value, full);
        return full[..compared].SequenceEqual(original[..compared]) ? null : $"{typeof(T).Name} does not re-encode to its input";
    }

    private delegate void WriteAction<T>(T value, Span<byte> destination);

    private static int Length<T>(T value) => value switch
    {
        VringAddress => VringAddress.Length,
        IotlbMessage => IotlbMessage.Length,
        InflightDescription => InflightDescription.Length,
        MemoryRegionDescription => MemoryRegionDescription.Length,
        LogDescription => LogDescription.Length,
        _ => 8,
    };

    private static string? MemoryTableRoundTrip(byte[] bytes)
    {
        Span<MemoryRegionDescription> regions = stackalloc MemoryRegionDescription[VhostUserLimits.MaxMemoryRegions];
        var count = MemoryTableMessage.Read(bytes, regions);
        var encoded = new byte[MemoryTableMessage.LengthFor(count)];
        MemoryTableMessage.Write(regions[..count], encoded);
        return encoded.AsSpan(8).SequenceEqual(bytes.AsSpan(8)) && encoded.AsSpan(0, 4).SequenceEqual(bytes.AsSpan(0, 4)) ? null : "memory table does not re-encode to its input";
    }

    private static string? ConfigRoundTrip(byte[] bytes)
    {
        var header = ConfigHeader.Read(bytes, out var data);
        if (data.Length != (int)header.Size)
        {
            return $"config data of {data.Length} bytes for size {header.Size}";
        }

        var encoded = new byte[header.PayloadLength];
        header.Write(data, encoded);
        return encoded.AsSpan().SequenceEqual(bytes) ? null : "config does not re-encode to its input";
    }
}
