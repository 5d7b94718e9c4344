using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// VhostUserMemory (SET_MEM_TABLE). QEMU sends only the regions in use: size = 8 + nregions * 32,
/// with one fd per region in the same order.
/// <code>
///  0          4         8                40                     8 + 32 * nregions
///  +----------+---------+----------------+-----+----------------+
///  | nregions | padding | region[0]      | ... | region[n - 1]  |
///  +----------+---------+----------------+-----+----------------+
/// </code>
/// </summary>
public static class MemoryTableMessage
{
    public const int HeaderLength = 8;

    public static int LengthFor(int regionCount) => HeaderLength + (regionCount * MemoryRegionDescription.Length);

    /// <summary>
    /// Decodes into <paramref name="regions"/> (at least <see cref="VhostUserLimits.MaxMemoryRegions"/> long)
    /// and returns the region count. nregions is checked against the limit before it sizes anything.
    /// </summary>
    public static int Read(ReadOnlySpan<byte> payload, Span<MemoryRegionDescription> regions)
    {
        if (payload.Length < HeaderLength)
        {
            throw new VhostUserProtocolException($"memory table payload of {payload.Length} bytes is shorter than its {HeaderLength}-byte header");
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (count > VhostUserLimits.MaxMemoryRegions)
        {
            throw new VhostUserProtocolException($"memory table has {count} regions, at most {VhostUserLimits.MaxMemoryRegions} allowed");
        }

        PayloadGuard.ExpectLength(payload, LengthFor((int)count), $"memory table with {count} regions");
        if (regions.Length < (int)count)
        {
            throw new ArgumentException("destination too small for the regions", nameof(regions));
        }

        for (var i = 0; i < (int)count; i++)
        {
            var offset = HeaderLength + (i * MemoryRegionDescription.Length);
            regions[i] = MemoryRegionDescription.Read(payload.Slice(offset, MemoryRegionDescription.Length));
        }

        return (int)count;
    }

    /// <summary>Encodes the table; returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<MemoryRegionDescription> regions, Span<byte> destination)
    {
        if (regions.Length > VhostUserLimits.MaxMemoryRegions)
        {
            throw new ArgumentException($"at most {VhostUserLimits.MaxMemoryRegions} regions", nameof(regions));
        }

        var length = LengthFor(regions.Length);
        PayloadGuard.ExpectDestination(destination, length, "memory table");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)regions.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        for (var i = 0; i < regions.Length; i++)
        {
            regions[i].Write(destination.Slice(HeaderLength + (i * MemoryRegionDescription.Length)));
        }

        return length;
    }
}
