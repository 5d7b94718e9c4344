using HilBridge.Core.Memory;

namespace HilBridge.Fuzz.Targets.MemoryTables;

/// <summary>A region as SET_MEM_TABLE would give it (the host address is made up: lookups never dereference it).</summary>
public sealed record RegionSpec(ulong GuestPhys, ulong Size, ulong User, ulong Host);

/// <summary>One lookup: in QEMU's address space (user) or the guest's (gpa).</summary>
public sealed record LookupSpec(bool User, ulong Address, ulong Length);

public sealed record MemoryTableCase(List<RegionSpec> Regions, List<LookupSpec> Lookups);

/// <summary>
/// The Core memory table with overlapping, zero-size, huge, unaligned, wrapping and too many regions.
/// Oracles: building never throws; it succeeds exactly when a plain O(n²) reference says the regions
/// are usable; every lookup agrees with a linear scan, never crosses a region's end and never
/// resolves outside the region's host range.
/// </summary>
public sealed class MemoryTableTarget : FuzzTarget<MemoryTableCase>
{
    public override string Name => "memtable";

    public override MemoryTableCase Generate(FuzzRandom r)
    {
        var count = r.Chance(0.01) ? r.Pick(MemoryTable.MaxRegions, MemoryTable.MaxRegions + 1) : r.Next(0, 9);
        var regions = new List<RegionSpec>();
        for (var i = 0; i < count; i++)
        {
            var previous = regions.Count > 0 ? regions[^1] : null;
            var size = r.Next(6) switch
            {
                0 => r.Interesting64(),
                1 => 0UL,
                2 => (ulong)r.Next(1, 0x3000),
                _ => (ulong)r.Next(1, 64) << 12,
            };
            ulong gpa, user;
            switch (r.Next(5))
            {
                case 0 when previous is not null: // adjacent to the previous region
                    gpa = previous.GuestPhys + previous.Size;
                    user = previous.User + previous.Size;
                    break;
                case 1 when previous is not null: // overlapping it
                    gpa = previous.GuestPhys + r.NextULong(previous.Size + 1);
                    user = previous.User + r.NextULong(previous.Size + 1);
                    break;
                case 2:
                    gpa = r.Interesting64();
                    user = r.Interesting64();
                    break;
                default:
                    gpa = (ulong)r.Next(0, 256) << 20;
                    user = 0x7f00_0000_0000UL + ((ulong)r.Next(0, 256) << 20) + (r.Chance(0.2) ? (ulong)r.Next(1, 4096) : 0);
                    break;
            }
            var host = r.Chance(0.05) ? r.Pick(0UL, ulong.MaxValue - 0x1000) : 0x1000UL;
            regions.Add(new RegionSpec(gpa, size, user, host));
        }

        var lookups = new List<LookupSpec>();
        for (var i = r.Next(0, 24); i > 0; i--)
        {
            var user = r.Chance(0.5);
            ulong address;
            if (regions.Count > 0 && r.Chance(0.8))
            {
                var region = regions[r.Next(regions.Count)];
                var start = user ? region.User : region.GuestPhys;
                address = r.Next(4) switch
                {
                    0 => start,
                    1 => start + region.Size - 1,
                    2 => start + region.Size,
                    _ => start - 1,
                } + (r.Chance(0.3) ? r.NextULong(region.Size) : 0);
            }
            else
            {
                address = r.Interesting64();
            }
            lookups.Add(new LookupSpec(user, address, r.Chance(0.3) ? r.Interesting64() : (ulong)r.Next(0, 0x3000)));
        }
        return new MemoryTableCase(regions, lookups);
    }

    public override string? Execute(MemoryTableCase c)
    {
        var regions = c.Regions.Select(s => new MemoryRegion(s.GuestPhys, s.Size, s.User, (nint)s.Host)).ToArray();
        var created = MemoryTable.TryCreate(regions, out var table, out var error);
        var expected = ReferenceValid(c.Regions);
        if (created != expected)
        {
            return $"memory table of {regions.Length} regions {(created ? "accepted" : "refused (" + error!.Error + ")")}, the reference says {(expected ? "usable" : "unusable")}";
        }

        if (!created)
        {
            return null;
        }

        foreach (var lookup in c.Lookups)
        {
            var found = lookup.User
                ? table!.TryResolveUser(lookup.Address, lookup.Length, out var host, out var contiguous)
                : table!.TryResolveGuestPhys(lookup.Address, lookup.Length, out host, out contiguous);
            var reference = c.Regions.FirstOrDefault(s => lookup.Address - (lookup.User ? s.User : s.GuestPhys) < s.Size);
            if (found != reference is not null)
            {
                return $"lookup of 0x{lookup.Address:x} ({(lookup.User ? "user" : "gpa")}) {(found ? "resolved" : "missed")}, the reference {(reference is null ? "finds no region" : "finds one")}";
            }

            if (reference is null)
            {
                continue;
            }

            var offset = lookup.Address - (lookup.User ? reference.User : reference.GuestPhys);
            if ((ulong)host != reference.Host + offset)
            {
                return $"lookup of 0x{lookup.Address:x} resolved to host 0x{(ulong)host:x}, expected 0x{reference.Host + offset:x}";
            }

            if (contiguous != Math.Min(lookup.Length, reference.Size - offset))
            {
                return $"lookup of 0x{lookup.Address:x} for 0x{lookup.Length:x} bytes gave 0x{contiguous:x} contiguous, expected 0x{Math.Min(lookup.Length, reference.Size - offset):x}";
            }
        }
        return null;
    }

    private static bool ReferenceValid(List<RegionSpec> regions)
    {
        if (regions.Count > MemoryTable.MaxRegions)
        {
            return false;
        }

        foreach (var r in regions)
        {
            if (r.Size == 0 || r.GuestPhys > ulong.MaxValue - r.Size || r.User > ulong.MaxValue - r.Size || r.Host == 0 || r.Host > ulong.MaxValue - r.Size)
            {
                return false;
            }
        }
        for (var i = 0; i < regions.Count; i++)
        {
            for (var j = i + 1; j < regions.Count; j++)
            {
                if (Overlap(regions[i].GuestPhys, regions[i].Size, regions[j].GuestPhys, regions[j].Size)
                    || Overlap(regions[i].User, regions[i].Size, regions[j].User, regions[j].Size))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool Overlap(ulong a, ulong aSize, ulong b, ulong bSize) => a < b + bSize && b < a + aSize;
}
