using System.Buffers.Binary;
using HilBridge.Core.Virtio;

namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>
/// Builds rings the way a driver would (header, data, status; direct or through an indirect table)
/// and then breaks them the way a hostile or buggy one might: loops, links out of range, huge and
/// wrapping buffers, nested or malformed indirect tables, readable after writable, bogus avail
/// indices and heads, rings overlapping or outside memory, memory at the top of the address space.
/// </summary>
public static class ChainGenerator
{
    public const int MemorySize = 64 * 1024;
    public const int DiskSectors = 128;

    private const ushort Next = (ushort)VringDescFlags.Next, Write = (ushort)VringDescFlags.Write, Indirect = (ushort)VringDescFlags.Indirect;

    /// <param name="fixedBase">Put memory at this IOVA (the session fuzzer maps it there) instead of a random one.</param>
    public static ChainCase Generate(FuzzRandom r, ulong? fixedBase = null)
    {
        var image = new GuestImage(MemorySize);
        var memBase = fixedBase ?? r.Next(5) switch
        {
            0 => 0UL,
            1 => 0x10000UL,
            2 => 0x1_0000_0000UL,
            3 => ulong.MaxValue - MemorySize + 1, // the last bytes of the address space: wrap bugs show here
            _ => r.NextULong(1UL << 48) & ~0xfffUL,
        };
        var q = (ushort)(r.Chance(0.04) ? r.Pick(1024, 4096, 32768) : 1 << r.Next(0, 9));
        var descOff = 0UL;
        var availOff = Align(16UL * q, 2);
        var usedOff = Align(availOff + 6 + 2UL * q, 4);
        var buffersOff = Align(usedOff + 6 + 8UL * q, 4096);
        if (buffersOff >= MemorySize - 4096)
        {
            buffersOff = MemorySize / 2;
        }

        var desc = Place(r, memBase, descOff);
        var avail = Place(r, memBase, availOff);
        var used = Place(r, memBase, usedOff);
        var nextAvail = r.Chance(0.7) ? (ushort)0 : r.Interesting16();
        var bump = buffersOff;

        ulong Alloc(ulong length)
        {
            if (bump + length > MemorySize)
            {
                return memBase + r.NextULong(MemorySize);
            }

            var at = bump;
            bump = Align(bump + length, 16);
            return memBase + at;
        }

        var heads = new List<ushort>();
        var free = 0;
        var requests = r.Next(0, Math.Min((int)q, 8) + 1);
        for (var k = 0; k < requests; k++)
        {
            var segments = BuildRequest(r, image, Alloc, memBase);
            var indirect = r.Chance(0.25);
            if (!indirect)
            {
                if (free + segments.Count > q)
                {
                    break;
                }

                var first = free;
                for (var i = 0; i < segments.Count; i++)
                {
                    var s = segments[i];
                    var last = i == segments.Count - 1;
                    var flags = (ushort)((s.Writable ? Write : 0) | (last ? 0 : Next));
                    image.Descriptor(descOff + 16UL * (ulong)(first + i), s.Address, s.Length, flags, (ushort)(last ? 0 : first + i + 1));
                }
                Mutate(r, image, descOff, first, segments.Count, q);
                free += segments.Count;
                heads.Add((ushort)first);
            }
            else
            {
                if (free + 1 > q)
                {
                    break;
                }

                var tableLength = 16UL * (ulong)segments.Count;
                var table = Alloc(tableLength);
                var tableOff = table - memBase;
                for (var i = 0; i < segments.Count; i++)
                {
                    var s = segments[i];
                    var last = i == segments.Count - 1;
                    var flags = (ushort)((s.Writable ? Write : 0) | (last ? 0 : Next));
                    image.Descriptor(tableOff + 16UL * (ulong)i, s.Address, s.Length, flags, (ushort)(last ? 0 : i + 1));
                }
                Mutate(r, image, tableOff, 0, segments.Count, (ushort)segments.Count);
                var length = r.Chance(0.1) ? r.Interesting32() : (uint)tableLength;
                var flagsDirect = (ushort)(Indirect | (r.Chance(0.05) ? Next : 0) | (r.Chance(0.05) ? Write : 0));
                image.Descriptor(descOff + 16UL * (ulong)free, r.Chance(0.05) ? r.Interesting64() : table, length, flagsDirect, r.Interesting16());
                heads.Add((ushort)free);
                free++;
            }
        }

        // Stray garbage in unused descriptors: chains that wander off may land on them.
        for (var i = free; i < q && r.Chance(0.3); i++)
        {
            image.Descriptor(descOff + 16UL * (ulong)i, r.Interesting64(), r.Interesting32(), (ushort)r.Next(8), r.Interesting16());
        }

        if (r.Chance(0.1))
        {
            r.Shuffle(heads);
        }

        image.U16(availOff, (ushort)(r.Chance(0.2) ? 1 : 0)); // VRING_AVAIL_F_NO_INTERRUPT
        var availIdx = r.Chance(0.08) ? r.Interesting16() : (ushort)(nextAvail + heads.Count);
        image.U16(availOff + 2, availIdx);
        for (var k = 0; k < heads.Count; k++)
        {
            image.U16(availOff + 4 + 2UL * (uint)((nextAvail + k) & (q - 1)), r.Chance(0.04) ? r.Interesting16() : heads[k]);
        }

        image.U16(availOff + 4 + 2UL * q, r.Interesting16()); // used_event
        if (r.Chance(0.2))
        {
            image.U16(usedOff + 2, r.Interesting16()); // stale used idx: the device must not trust it
        }

        return new ChainCase(memBase, MemorySize, q, desc, avail, used, nextAvail, r.Chance(0.5), r.Chance(0.05), DiskSectors, image.ToWrites());
    }

    private readonly record struct Segment(ulong Address, uint Length, bool Writable);

    private static List<Segment> BuildRequest(FuzzRandom r, GuestImage image, Func<ulong, ulong> alloc, ulong memBase)
    {
        var type = r.Next(10) switch { < 4 => 0u, < 7 => 1u, 7 => 4u, 8 => 8u, _ => r.Interesting32() };
        var sector = r.Next(6) switch
        {
            0 => (ulong)DiskSectors,
            1 => DiskSectors - 1UL,
            2 => r.Interesting64(),
            _ => r.NextULong(DiskSectors),
        };
        var segments = new List<Segment>();
        var header = alloc(16);
        Span<byte> h = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], sector);
        image.Write(header - memBase, h);
        if (r.Chance(0.15))
        {
            // ANY_LAYOUT: the header split over two buffers.
            var split = (uint)r.Next(1, 16);
            segments.Add(new Segment(header, split, false));
            segments.Add(new Segment(header + split, 16 - split, false));
        }
        else
        {
            segments.Add(new Segment(header, r.Chance(0.05) ? (uint)r.Next(0, 32) : 16, false));
        }

        var toGuest = type is 0 or 8;
        for (var i = r.Next(0, 4); i > 0; i--)
        {
            var length = r.Next(8) switch
            {
                0 => 0u,
                1 => r.Interesting32(),
                2 => (uint)r.Next(1, 8192),
                _ => (uint)(512 * r.Next(1, 9)),
            };
            var address = r.Chance(0.05) ? r.Interesting64() : alloc(Math.Min(length, 8192u));
            segments.Add(new Segment(address, length, r.Chance(0.9) ? toGuest : !toGuest));
        }

        if (r.Chance(0.92))
        {
            var status = alloc(1);
            segments.Add(new Segment(r.Chance(0.03) ? r.Interesting64() : status, r.Chance(0.05) ? (uint)r.Next(0, 4) : 1u, r.Chance(0.97)));
        }
        return segments;
    }

    /// <summary>Breaks one request's descriptors in place (or leaves them alone, most of the time).</summary>
    private static void Mutate(FuzzRandom r, GuestImage image, ulong tableOff, int first, int count, ushort tableEntries)
    {
        if (count == 0 || !r.Chance(0.35))
        {
            return;
        }

        var i = first + r.Next(count);
        var at = tableOff + 16UL * (ulong)i;
        switch (r.Next(9))
        {
            case 0: // loop back
                image.U16(at + 12, Next);
                image.U16(at + 14, (ushort)r.Next(first, i + 1));
                break;
            case 1: // link out of range
                image.U16(at + 12, Next);
                image.U16(at + 14, (ushort)(tableEntries + r.Next(0, 4)));
                break;
            case 2: // a huge or wrapping buffer
                image.Descriptor(at, r.Interesting64(), r.Interesting32(), (ushort)(Write | (i < first + count - 1 ? Next : 0)), (ushort)(i + 1));
                break;
            case 3: // nested indirect, or an indirect table inside the ring's own table
                image.U16(at + 12, (ushort)(Indirect | (r.Chance(0.5) ? Next : 0)));
                break;
            case 4: // random flags
                image.U16(at + 12, (ushort)r.Next(0x10000));
                break;
            case 5: // random next
                image.U16(at + 14, r.Interesting16());
                break;
            case 6: // zero length
                image.Write(at + 8, new byte[4]);
                break;
            default: // the whole descriptor is garbage
                Span<byte> junk = stackalloc byte[16];
                r.Fill(junk);
                image.Write(at, junk);
                break;
        }
    }

    private static ulong Place(FuzzRandom r, ulong memBase, ulong offset) => r.Next(40) switch
    {
        0 => r.Interesting64(),                 // anywhere
        1 => memBase + MemorySize - 8,          // straddles the end of memory
        2 => memBase + r.NextULong(MemorySize), // overlapping something else
        _ => memBase + offset,
    };

    private static ulong Align(ulong value, ulong alignment) => (value + alignment - 1) / alignment * alignment;

    private static void Shuffle<T>(this FuzzRandom r, List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = r.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
