using System.Diagnostics.CodeAnalysis;

namespace HilBridge.Core.Memory;

/// <summary>
/// The vhost-user memory table as a translation type: QEMU virtual or guest-physical address to the
/// bridge's mapping. Validated once at construction, immutable afterwards, so the host swaps a whole
/// table on SET_MEM_TABLE and a DMA in flight keeps the table it started with.
/// Lookups never allocate and never cross a region boundary: two regions adjacent in one address
/// space need not be adjacent in our mapping, so a range resolves piece by piece and callers loop.
/// </summary>
public sealed class MemoryTable
{
    /// <summary>
    /// The slot limit vhost-user back-ends advertise with VHOST_USER_GET_MAX_MEM_SLOTS (rust-vmm and
    /// libvhost-user use 509: KVM's 512 memory slots minus the ones QEMU keeps for itself).
    /// </summary>
    public const int MaxRegions = 509;

    public static MemoryTable Empty { get; } = new(ReadOnlySpan<MemoryRegion>.Empty);

    private readonly MemoryRegion[] _regions;
    private readonly SortedRegions _byUser;
    private readonly SortedRegions _byGuestPhys;

    /// <exception cref="InvalidMemoryTableException">The regions are not a usable table.</exception>
    public MemoryTable(ReadOnlySpan<MemoryRegion> regions)
    {
        var error = Validate(regions, out _byUser, out _byGuestPhys);
        if (error is not null)
        {
            throw error;
        }

        _regions = regions.ToArray();
    }

    private MemoryTable(MemoryRegion[] regions, SortedRegions byUser, SortedRegions byGuestPhys)
    {
        _regions = regions;
        _byUser = byUser;
        _byGuestPhys = byGuestPhys;
    }

    /// <summary>The regions in the order they were given.</summary>
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    public int Count => _regions.Length;

    /// <summary>Builds a table, or returns why the regions are unusable (QEMU's input is a value, not a crash).</summary>
    public static bool TryCreate(
        ReadOnlySpan<MemoryRegion> regions,
        [NotNullWhen(true)] out MemoryTable? table,
        [NotNullWhen(false)] out InvalidMemoryTableException? error)
    {
        error = Validate(regions, out var byUser, out var byGuestPhys);
        table = error is null ? new MemoryTable(regions.ToArray(), byUser, byGuestPhys) : null;
        return error is null;
    }

    /// <summary>
    /// Resolves a QEMU virtual address. <paramref name="contiguous"/> is the number of bytes usable at
    /// <paramref name="host"/>: up to the end of the region, never more than <paramref name="length"/>.
    /// A zero length resolves (with contiguous 0) only when the address itself is inside a region.
    /// </summary>
    public bool TryResolveUser(ulong userAddr, ulong length, out nint host, out ulong contiguous) =>
        _byUser.TryResolve(userAddr, length, out host, out contiguous);

    /// <summary>As <see cref="TryResolveUser"/>, for a guest-physical address (devices without an IOMMU).</summary>
    public bool TryResolveGuestPhys(ulong guestPhysAddr, ulong length, out nint host, out ulong contiguous) =>
        _byGuestPhys.TryResolve(guestPhysAddr, length, out host, out contiguous);

    /// <summary>
    /// The bytes at a QEMU virtual address, up to the end of its region and at most
    /// <paramref name="length"/> (capped to int.MaxValue, the most a span can hold).
    /// </summary>
    public bool TryGetUserSpan(ulong userAddr, ulong length, out Span<byte> span)
    {
        if (!TryResolveUser(userAddr, length, out var host, out var contiguous))
        {
            span = default;
            return false;
        }
        span = AsSpan(host, contiguous);
        return true;
    }

    /// <summary>
    /// A span over our mapping. Safe only for a (host, length) pair a lookup of this table returned,
    /// while the table's mappings are alive; the length is capped to int.MaxValue.
    /// </summary>
    public static unsafe Span<byte> AsSpan(nint host, ulong length) =>
        new((void*)host, (int)Math.Min(length, int.MaxValue));

    private static InvalidMemoryTableException? Validate(
        ReadOnlySpan<MemoryRegion> regions, out SortedRegions byUser, out SortedRegions byGuestPhys)
    {
        byUser = byGuestPhys = default;
        if (regions.Length > MaxRegions)
        {
            return new(MemoryTableError.TooManyRegions, -1,
                $"memory table has {regions.Length} regions; at most {MaxRegions} are supported");
        }

        for (var i = 0; i < regions.Length; i++)
        {
            var r = regions[i];
            if (r.Size == 0)
            {
                return new(MemoryTableError.ZeroSize, i, $"region {i} ({r}) has size zero");
            }

            if (r.GuestPhysAddr > ulong.MaxValue - r.Size)
            {
                return new(MemoryTableError.GuestPhysWrap, i, $"region {i} ({r}) wraps the guest-physical address space");
            }

            if (r.UserAddr > ulong.MaxValue - r.Size)
            {
                return new(MemoryTableError.UserWrap, i, $"region {i} ({r}) wraps QEMU's address space");
            }

            if (r.HostAddress == 0 || (ulong)r.HostAddress > ulong.MaxValue - r.Size)
            {
                return new(MemoryTableError.BadHostMapping, i, $"region {i} ({r}) has no valid host mapping");
            }
        }

        byUser = SortedRegions.Create(regions, guestPhys: false);
        byGuestPhys = SortedRegions.Create(regions, guestPhys: true);
        return byUser.FindOverlap(regions, MemoryTableError.UserOverlap, "QEMU virtual")
            ?? byGuestPhys.FindOverlap(regions, MemoryTableError.GuestPhysOverlap, "guest-physical");
    }

    /// <summary>The regions sorted by their start in one address space, with the starts kept apart for the search.</summary>
    private readonly struct SortedRegions
    {
        private readonly ulong[] _starts;
        private readonly MemoryRegion[] _regions;
        private readonly int[] _original;

        private SortedRegions(ulong[] starts, MemoryRegion[] regions, int[] original)
        {
            _starts = starts;
            _regions = regions;
            _original = original;
        }

        public static SortedRegions Create(ReadOnlySpan<MemoryRegion> regions, bool guestPhys)
        {
            var starts = new ulong[regions.Length];
            var original = new int[regions.Length];
            for (var i = 0; i < regions.Length; i++)
            {
                starts[i] = guestPhys ? regions[i].GuestPhysAddr : regions[i].UserAddr;
                original[i] = i;
            }
            var sorted = regions.ToArray();
            Array.Sort((ulong[])starts.Clone(), original);
            Array.Sort(starts, sorted);
            return new SortedRegions(starts, sorted, original);
        }

        public InvalidMemoryTableException? FindOverlap(ReadOnlySpan<MemoryRegion> given, MemoryTableError error, string space)
        {
            // Validation ruled out wrapping, so start + size is exact.
            for (var i = 1; i < _starts.Length; i++)
            {
                if (_starts[i - 1] + _regions[i - 1].Size > _starts[i])
                {
                    int a = _original[i - 1], b = _original[i];
                    return new(error, b, $"region {b} ({given[b]}) overlaps region {a} ({given[a]}) in {space} space");
                }
            }
            return null;
        }

        public bool TryResolve(ulong address, ulong length, out nint host, out ulong contiguous)
        {
            // The last region starting at or below the address is the only candidate: regions do not overlap.
            var index = Array.BinarySearch(_starts, address);
            if (index < 0)
            {
                index = ~index - 1;
            }

            if (index >= 0)
            {
                var region = _regions[index];
                var offset = address - _starts[index];
                if (offset < region.Size)
                {
                    host = region.HostAddress + (nint)offset;
                    contiguous = Math.Min(length, region.Size - offset);
                    return true;
                }
            }
            host = 0;
            contiguous = 0;
            return false;
        }
    }
}
