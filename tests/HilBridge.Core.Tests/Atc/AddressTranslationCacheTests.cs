using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Tests.Atc;

public class AddressTranslationCacheTests
{
    private const ulong Page = 0x1000;

    private static AtcEntry Insert(AddressTranslationCache atc, ulong iova, ulong size, AccessKind perm = AccessKind.ReadWrite)
    {
        Assert.True(atc.TryInsert(iova, size, iova + 0x10_0000_0000, perm, out var entry));
        return entry;
    }

    private static ulong[] Iovas(AddressTranslationCache atc) => atc.Entries.ToArray().Select(e => e.Iova).ToArray();

    [Fact]
    public void TryInsert_ZeroSize_ReturnsFalseAndCachesNothing()
    {
        var atc = new AddressTranslationCache();
        Assert.False(atc.TryInsert(0x1000, 0, 0, AccessKind.Read, out var entry));
        Assert.Equal(default, entry);
        Assert.Equal(0, atc.Count);
    }

    [Fact]
    public void TryInsert_Entries_GetUniqueMonotonicIds()
    {
        var atc = new AddressTranslationCache();
        var a = Insert(atc, 0x3000, Page);
        var b = Insert(atc, 0x1000, Page);
        var c = Insert(atc, 0x3000, Page); // replaces a: a new translation, a new id
        Assert.True(a.Id < b.Id && b.Id < c.Id);
        Assert.NotEqual(0UL, a.Id);
    }

    [Fact]
    public void TryLookup_InsideFirstMiddleLastByte_Hits()
    {
        var atc = new AddressTranslationCache();
        var e = Insert(atc, 0x4000, 2 * Page);
        foreach (var iova in new ulong[] { 0x4000, 0x4800, 0x5FFF })
        {
            Assert.True(atc.TryLookup(iova, out var hit));
            Assert.Equal(e, hit);
        }
    }

    [Fact]
    public void TryLookup_JustOutsideAndInGaps_Misses()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x4000, Page);
        Insert(atc, 0x8000, Page);
        foreach (var iova in new ulong[] { 0, 0x3FFF, 0x5000, 0x7FFF, 0x9000, ulong.MaxValue })
        {
            Assert.False(atc.TryLookup(iova, out _));
        }
    }

    [Fact]
    public void TryLookup_Hit_DoesNotAllocate()
    {
        var atc = new AddressTranslationCache();
        for (ulong i = 0; i < 1000; i++)
        {
            Insert(atc, i * 2 * Page, Page);
        }

        atc.TryLookup(0x2000, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong i = 0; i < 10_000; i++)
        {
            atc.TryLookup(i * Page, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void TryInsert_OverlappingExisting_NewerTranslationReplacesAllOverlapped()
    {
        var atc = new AddressTranslationCache();
        var left = Insert(atc, 0x1000, 2 * Page);   // [0x1000, 0x2FFF]
        var mid = Insert(atc, 0x4000, Page);        // [0x4000, 0x4FFF]
        var right = Insert(atc, 0x6000, Page);      // [0x6000, 0x6FFF], untouched
        var displaced = new List<AtcEntry>();

        Assert.True(atc.TryInsert(0x2000, 3 * Page, 0xABC000, AccessKind.Read, out var fresh, displaced)); // [0x2000, 0x4FFF]

        Assert.Equal(new[] { left, mid }, displaced);
        Assert.Equal(new ulong[] { 0x2000, 0x6000 }, Iovas(atc));
        Assert.False(atc.TryLookup(0x1000, out _)); // the non-overlapping part of `left` went too
        Assert.True(atc.TryLookup(0x4FFF, out var hit));
        Assert.Equal(fresh, hit);
        Assert.True(atc.TryLookup(0x6000, out hit));
        Assert.Equal(right, hit);
        Assert.Equal(0, atc.Evictions);
    }

    [Fact]
    public void TryInsert_AdjacentRanges_DoNotReplaceEachOther()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x1000, Page);
        Insert(atc, 0x3000, Page);
        Insert(atc, 0x2000, Page);
        Assert.Equal(new ulong[] { 0x1000, 0x2000, 0x3000 }, Iovas(atc));
    }

    [Fact]
    public void RemoveRange_PartialOverlapsAtBothEnds_RemovesWholeEntries()
    {
        var atc = new AddressTranslationCache();
        var a = Insert(atc, 0x1000, 2 * Page);   // [0x1000, 0x2FFF]
        var b = Insert(atc, 0x3000, Page);
        var c = Insert(atc, 0x4000, 2 * Page);   // [0x4000, 0x5FFF]
        Insert(atc, 0x8000, Page);
        var removed = new List<AtcEntry>();

        int n = atc.RemoveRange(0x2FFF, 0x1002, removed); // [0x2FFF, 0x4000]

        Assert.Equal(3, n);
        Assert.Equal(new[] { a, b, c }, removed);
        Assert.Equal(new ulong[] { 0x8000 }, Iovas(atc));
    }

    [Fact]
    public void RemoveRange_AdjacentButNotOverlapping_RemovesNothing()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x1000, Page);
        Insert(atc, 0x3000, Page);
        Assert.Equal(0, atc.RemoveRange(0x2000, Page));
        Assert.Equal(0, atc.RemoveRange(0x0, Page));
        Assert.Equal(0, atc.RemoveRange(0x4000, Page));
        Assert.Equal(2, atc.Count);
    }

    [Fact]
    public void RemoveRange_StrictlyInsideOneEntry_RemovesIt()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x0, 16 * Page);
        Assert.Equal(1, atc.RemoveRange(0x5123, 1));
        Assert.Equal(0, atc.Count);
    }

    [Fact]
    public void RemoveRange_ZeroSize_RemovesNothing()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x1000, Page);
        Assert.Equal(0, atc.RemoveRange(0x1000, 0));
        Assert.Equal(1, atc.Count);
    }

    [Fact]
    public void RemoveRange_HugeSizeThatWraps_RemovesToTheEndOnly()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x1000, Page);
        Insert(atc, 0x9000, Page);
        Insert(atc, ulong.MaxValue - Page + 1, Page); // the last page of the address space

        Assert.Equal(2, atc.RemoveRange(0x9000, ulong.MaxValue)); // 0x9000 + ~0 wraps: means "to the end"
        Assert.Equal(new ulong[] { 0x1000 }, Iovas(atc));
    }

    [Fact]
    public void RemoveRange_MaxSizeFromZero_LeavesOnlyTheTopByte()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0, Page);
        Insert(atc, 1UL << 63, Page);
        Insert(atc, ulong.MaxValue, 1);
        Assert.Equal(2, atc.RemoveRange(0, ulong.MaxValue)); // [0, 2^64 - 2]
        Assert.True(atc.TryLookup(ulong.MaxValue, out _));
    }

    [Fact]
    public void RemoveInclusive_WholeAddressSpace_Empties()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0, Page);
        Insert(atc, 1UL << 63, Page);
        Insert(atc, ulong.MaxValue, 1);
        Assert.Equal(3, atc.RemoveInclusive(0, ulong.MaxValue));
        Assert.Equal(0, atc.Count);
    }

    [Fact]
    public void RemoveInclusive_FirstAfterLast_RemovesNothing()
    {
        var atc = new AddressTranslationCache();
        Insert(atc, 0x1000, Page);
        Assert.Equal(0, atc.RemoveInclusive(0x2000, 0x1000));
        Assert.Equal(1, atc.Count);
    }

    [Fact]
    public void TryInsert_EntryAtTopOfAddressSpace_LookupAndRemoveWork()
    {
        var atc = new AddressTranslationCache();
        var top = Insert(atc, ulong.MaxValue - 0xFFF, ulong.MaxValue); // wraps: saturates to the end
        Assert.Equal(ulong.MaxValue, top.Last);
        Assert.True(atc.TryLookup(ulong.MaxValue, out var hit));
        Assert.Equal(top, hit);
        Assert.False(atc.TryLookup(0, out _));
        Assert.Equal(1, atc.RemoveRange(ulong.MaxValue, 1));
    }

    [Fact]
    public void TryInsert_HugeEntryOverMany_ReplacesAll()
    {
        var atc = new AddressTranslationCache();
        for (ulong i = 0; i < 100; i++)
        {
            Insert(atc, i * Page, Page);
        }

        var displaced = new List<AtcEntry>();
        Assert.True(atc.TryInsert(0, ulong.MaxValue, 0, AccessKind.Read, out _, displaced));
        Assert.Equal(100, displaced.Count);
        Assert.Equal(1, atc.Count);
        Assert.True(atc.TryLookup(ulong.MaxValue - 1, out _));
    }

    [Fact]
    public void CopyOverlapping_ReturnsOverlapsWithoutRemoving()
    {
        var atc = new AddressTranslationCache();
        var a = Insert(atc, 0x1000, Page);
        var b = Insert(atc, 0x2000, Page);
        var into = new List<AtcEntry>();
        Assert.Equal(2, atc.CopyOverlapping(0x1800, 0x27FF, into));
        Assert.Equal(new[] { a, b }, into);
        Assert.Equal(2, atc.Count);
        Assert.Equal(0, atc.CopyOverlapping(0x1800, 0x17FF, into));
    }

    [Fact]
    public void Clear_ReturnsAllEntriesInIovaOrder()
    {
        var atc = new AddressTranslationCache();
        var b = Insert(atc, 0x2000, Page);
        var a = Insert(atc, 0x1000, Page);
        var removed = new List<AtcEntry>();
        Assert.Equal(2, atc.Clear(removed));
        Assert.Equal(new[] { a, b }, removed);
        Assert.Equal(0, atc.Count);
        Assert.False(atc.TryLookup(0x1000, out _));
    }

    [Fact]
    public void TryInsert_WhenFull_EvictsOldestAndCounts()
    {
        var atc = new AddressTranslationCache(capacity: 3);
        var first = Insert(atc, 0x5000, Page);
        Insert(atc, 0x1000, Page);
        Insert(atc, 0x9000, Page);
        var displaced = new List<AtcEntry>();

        Assert.True(atc.TryInsert(0x3000, Page, 0, AccessKind.Read, out _, displaced));

        Assert.Equal(new[] { first }, displaced);
        Assert.Equal(1, atc.Evictions);
        Assert.Equal(new ulong[] { 0x1000, 0x3000, 0x9000 }, Iovas(atc));
    }

    [Fact]
    public void TryInsert_WhenFullButReplacing_DoesNotEvict()
    {
        var atc = new AddressTranslationCache(capacity: 2);
        Insert(atc, 0x1000, Page);
        Insert(atc, 0x2000, Page);
        Insert(atc, 0x2000, Page);
        Assert.Equal(0, atc.Evictions);
        Assert.Equal(2, atc.Count);
    }

    [Fact]
    public void TryInsert_OldestAlreadyRemoved_EvictsNextOldestLiveEntry()
    {
        var atc = new AddressTranslationCache(capacity: 2);
        Insert(atc, 0x1000, Page);
        var second = Insert(atc, 0x2000, Page);
        atc.RemoveRange(0x1000, Page);
        var third = Insert(atc, 0x3000, Page);
        Insert(atc, 0x4000, Page); // full: `second` is now the oldest live entry

        Assert.Equal(1, atc.Evictions);
        Assert.False(atc.TryLookup(second.Iova, out _));
        Assert.True(atc.TryLookup(third.Iova, out _));
    }

    [Fact]
    public void TryInsert_ManyChurnCycles_StaysBoundedAndConsistent()
    {
        // Exercises age-queue compaction: many replacements without evictions, then evictions.
        var atc = new AddressTranslationCache(capacity: 8);
        for (int round = 0; round < 200; round++)
        {
            for (ulong i = 0; i < 4; i++)
            {
                Insert(atc, i * Page, Page);
            }
        }

        for (ulong i = 4; i < 20; i++)
        {
            Insert(atc, i * Page, Page);
        }

        Assert.Equal(8, atc.Count);
        Assert.Equal(12, atc.Evictions);
        Assert.Equal(Enumerable.Range(12, 8).Select(i => (ulong)i * Page).ToArray(), Iovas(atc));
    }

    [Fact]
    public void Constructor_ZeroCapacity_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AddressTranslationCache(0));
}
