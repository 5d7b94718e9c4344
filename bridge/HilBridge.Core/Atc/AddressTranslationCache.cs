using HilBridge.Core.Dma;

namespace HilBridge.Core.Atc;

/// <summary>
/// The device's Address Translation Cache: non-overlapping translations kept sorted by IOVA in one array,
/// so a lookup is a binary search with no allocation (it runs for every DMA). Inserts and removals shift
/// the array: they follow IOTLB messages, which are far rarer than lookups.
/// </summary>
/// <remarks>
/// Real ATCs are finite, so the cache has a capacity; when full, the oldest translation (smallest Id) is
/// evicted. Age is tracked by a FIFO of (Id, Iova) records that is cleaned lazily: a record whose entry
/// has since been removed is skipped when evicting and dropped when the FIFO is compacted.
/// </remarks>
public sealed class AddressTranslationCache
{
    public const int DefaultCapacity = 65536;

    private AtcEntry[] _entries;
    private int _count;
    private ulong _lastId;
    private readonly Queue<(ulong Id, ulong Iova)> _age = new();

    public AddressTranslationCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _entries = new AtcEntry[Math.Min(capacity, 16)];
    }

    public int Capacity { get; }

    public int Count => _count;

    /// <summary>The Id of the newest translation cached (0 before the first): Ids are handed out in order, never reused.</summary>
    public ulong LastId => _lastId;

    /// <summary>Translations dropped because the cache was full (not counting overlap replacement).</summary>
    public long Evictions { get; private set; }

    /// <summary>The cached translations in IOVA order; the view is invalidated by the next mutation.</summary>
    public ReadOnlySpan<AtcEntry> Entries => new(_entries, 0, _count);

    /// <summary>
    /// Caches a translation of [iova, iova + size). Entries overlapping it are removed first (the newer
    /// translation wins, as when QEMU answers a miss for a remapped page); if the cache is still full, the
    /// oldest entry is evicted. Both kinds of displaced entries are appended to <paramref name="displaced"/>.
    /// </summary>
    /// <returns>False (and nothing changes) for size 0, which cannot describe a translation.</returns>
    public bool TryInsert(ulong iova, ulong size, ulong userAddr, AccessKind perm, out AtcEntry entry,
        List<AtcEntry>? displaced = null)
    {
        if (size == 0)
        {
            entry = default;
            return false;
        }

        RemoveCore(iova, AddressMath.Last(iova, size), displaced);
        if (_count == Capacity)
        {
            EvictOldest(displaced);
        }

        entry = new AtcEntry(++_lastId, iova, size, userAddr, perm);
        int index = FindFloor(iova) + 1;
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, (int)Math.Min((long)_entries.Length * 2, Capacity));
        }

        Array.Copy(_entries, index, _entries, index + 1, _count - index);
        _entries[index] = entry;
        _count++;
        _age.Enqueue((entry.Id, iova));
        // Relative to the live count, not the capacity: the FIFO stays small when few translations are
        // cached, and compaction still costs O(1) per insert amortized.
        if (_age.Count > 2 * _count + 64)
        {
            CompactAge();
        }

        return true;
    }

    /// <summary>Finds the translation containing <paramref name="iova"/> in O(log n), without allocating.</summary>
    public bool TryLookup(ulong iova, out AtcEntry entry)
    {
        int i = FindFloor(iova);
        if (i >= 0 && _entries[i].Last >= iova)
        {
            entry = _entries[i];
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>
    /// Removes every entry sharing at least one byte with [iova, iova + size): partial overlaps are removed
    /// whole (an ATC cannot keep half a translation). A size running past 2^64 means "to the end"; size 0
    /// removes nothing.
    /// </summary>
    /// <returns>The number of entries removed; they are appended to <paramref name="removed"/> in IOVA order.</returns>
    public int RemoveRange(ulong iova, ulong size, List<AtcEntry>? removed = null) =>
        size == 0 ? 0 : RemoveCore(iova, AddressMath.Last(iova, size), removed);

    /// <summary>
    /// Removes every entry overlapping the inclusive range [first, last]: the form that can name all 2^64
    /// bytes, which (start, size) cannot.
    /// </summary>
    public int RemoveInclusive(ulong first, ulong last, List<AtcEntry>? removed = null) =>
        first > last ? 0 : RemoveCore(first, last, removed);

    /// <summary>
    /// An invalidation of exactly [first, last]: what an overlapping entry has outside the range stays
    /// cached, so a front-end that invalidates one page of a larger translation does not take the rest
    /// away with it (the device would then miss on pages nobody invalidated, and a front-end that never
    /// answers that miss leaves the ring faulted). The invalidated part of each entry is appended to
    /// <paramref name="removed"/> under the entry's own Id (what a capture or an in-flight access of that
    /// translation refers to); the parts kept are re-cached as new translations with new Ids, because the
    /// old Id now names an invalidated translation. An entry is removed whole instead when
    /// <paramref name="removeWhole"/> says so (the caller still tracks its Id) or when splitting would
    /// overflow the capacity: an ATC may always drop more than it was asked to.
    /// </summary>
    /// <returns>The number of entries invalidated (whole or in part).</returns>
    public int InvalidateExact<TState>(ulong first, ulong last, List<AtcEntry>? removed, Func<TState, ulong, bool> removeWhole, TState state)
    {
        if (first > last)
        {
            return 0;
        }

        var (start, end) = FindOverlapping(first, last);
        int n = end - start;
        if (n == 0)
        {
            return 0;
        }

        // Only the first and the last overlapping entries can reach outside the range.
        AtcEntry head = _entries[start], tail = _entries[end - 1];
        bool keepHead = head.Iova < first && !removeWhole(state, head.Id);
        bool keepTail = tail.Last > last && !removeWhole(state, tail.Id);
        int kept = (keepHead ? 1 : 0) + (keepTail ? 1 : 0);
        if (_count - n + kept > Capacity)
        {
            keepHead = keepTail = false;
        }

        for (int i = start; i < end; i++)
        {
            var e = _entries[i];
            bool trimFront = e.Id == head.Id && keepHead;
            bool trimBack = e.Id == tail.Id && keepTail;
            if (removed is not null)
            {
                ulong pieceFirst = trimFront ? first : e.Iova;
                ulong pieceLast = trimBack ? last : e.Last;
                removed.Add(trimFront || trimBack ? e with { Iova = pieceFirst, Size = pieceLast - pieceFirst + 1, UserAddr = e.Translate(pieceFirst) } : e);
            }
        }

        RemoveCore(first, last, null);
        if (keepHead)
        {
            TryInsert(head.Iova, first - head.Iova, head.UserAddr, head.Perm, out _);
        }

        if (keepTail)
        {
            // tail.Last > last, so last + 1 does not wrap and tail.Last - last bytes remain.
            TryInsert(last + 1, tail.Last - last, tail.Translate(last + 1), tail.Perm, out _);
        }

        return n;
    }

    /// <summary>Appends (without removing) every entry overlapping the inclusive range [first, last] to <paramref name="into"/>.</summary>
    public int CopyOverlapping(ulong first, ulong last, List<AtcEntry> into)
    {
        if (first > last)
        {
            return 0;
        }

        var (start, end) = FindOverlapping(first, last);
        for (int i = start; i < end; i++)
        {
            into.Add(_entries[i]);
        }

        return end - start;
    }

    /// <summary>Empties the cache; the entries are appended to <paramref name="removed"/> in IOVA order.</summary>
    public int Clear(List<AtcEntry>? removed = null)
    {
        int n = _count;
        removed?.AddRange(new ReadOnlySpan<AtcEntry>(_entries, 0, n));
        Array.Clear(_entries, 0, n);
        _count = 0;
        _age.Clear();
        return n;
    }

    private int RemoveCore(ulong first, ulong last, List<AtcEntry>? removed)
    {
        var (start, end) = FindOverlapping(first, last);
        int n = end - start;
        if (n == 0)
        {
            return 0;
        }

        removed?.AddRange(new ReadOnlySpan<AtcEntry>(_entries, start, n));
        Array.Copy(_entries, end, _entries, start, _count - end);
        _count -= n;
        Array.Clear(_entries, _count, n);
        return n;
    }

    // Entries are disjoint and sorted by Iova, so their Last values are sorted too: the overlapping ones
    // form one contiguous run starting at the floor entry (if it reaches `first`) or just after it.
    private (int Start, int End) FindOverlapping(ulong first, ulong last)
    {
        int floor = FindFloor(first);
        int start = floor >= 0 && _entries[floor].Last >= first ? floor : floor + 1;
        int end = start;
        while (end < _count && _entries[end].Iova <= last)
        {
            end++;
        }

        return (start, end);
    }

    /// <summary>Index of the last entry with Iova &lt;= <paramref name="iova"/>, or -1.</summary>
    private int FindFloor(ulong iova)
    {
        int lo = 0, hi = _count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (_entries[mid].Iova <= iova)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    private bool IsLive((ulong Id, ulong Iova) record)
    {
        int i = FindFloor(record.Iova);
        return i >= 0 && _entries[i].Id == record.Id;
    }

    private void EvictOldest(List<AtcEntry>? displaced)
    {
        // Every live entry has exactly one age record, so a full cache always finds one here.
        while (_age.TryDequeue(out var record))
        {
            int i = FindFloor(record.Iova);
            if (i >= 0 && _entries[i].Id == record.Id)
            {
                displaced?.Add(_entries[i]);
                Array.Copy(_entries, i + 1, _entries, i, _count - i - 1);
                _entries[--_count] = default;
                Evictions++;
                return;
            }
        }
    }

    private void CompactAge()
    {
        for (int n = _age.Count; n > 0; n--)
        {
            var record = _age.Dequeue();
            if (IsLive(record))
            {
                _age.Enqueue(record);
            }
        }
    }
}
