using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Tests.Atc;

/// <summary>An invalidation takes exactly its range out of the ATC; what a larger translation has outside it stays.</summary>
public class AddressTranslationCacheInvalidateExactTests
{
    private const ulong Page = 0x1000;
    private const ulong UserBase = 0x10_0000_0000;

    private static readonly Func<object?, ulong, bool> Never = static (_, _) => false;

    private static AtcEntry Insert(AddressTranslationCache atc, ulong iova, ulong size) =>
        atc.TryInsert(iova, size, iova + UserBase, AccessKind.ReadWrite, out var entry) ? entry : throw new InvalidOperationException();

    private static (ulong Iova, ulong Size)[] Ranges(AddressTranslationCache atc) => atc.Entries.ToArray().Select(e => (e.Iova, e.Size)).ToArray();

    [Fact]
    public void InvalidateExact_OnePageInsideALargerEntry_OnlyThatPageRemovedRestStillTranslates()
    {
        var atc = new AddressTranslationCache();
        var whole = Insert(atc, 0x0, 16 * Page);
        var removed = new List<AtcEntry>();

        Assert.Equal(1, atc.InvalidateExact(0x5000, 0x5FFF, removed, Never, null));

        Assert.Equal([(0x0UL, 5 * Page), (0x6000UL, 10 * Page)], Ranges(atc));
        Assert.Equal(whole with { Iova = 0x5000, Size = Page, UserAddr = 0x5000 + UserBase }, Assert.Single(removed));
        Assert.False(atc.TryLookup(0x5800, out _));
        Assert.True(atc.TryLookup(0x6010, out var after));
        Assert.Equal(0x6010 + UserBase, after.Translate(0x6010));
        Assert.True(atc.TryLookup(0x4FFF, out var before));
        Assert.Equal(0x4FFF + UserBase, before.Translate(0x4FFF));
        // The old Id names the invalidated translation now: what stays is cached anew.
        Assert.All(atc.Entries.ToArray(), e => Assert.True(e.Id > whole.Id));
    }

    [Fact]
    public void InvalidateExact_PartialOverlapsAtBothEnds_TrimsTheEndsAndRemovesTheMiddle()
    {
        var atc = new AddressTranslationCache();
        var a = Insert(atc, 0x1000, 2 * Page);   // [0x1000, 0x2FFF]
        var b = Insert(atc, 0x3000, Page);
        var c = Insert(atc, 0x4000, 2 * Page);   // [0x4000, 0x5FFF]
        Insert(atc, 0x8000, Page);
        var removed = new List<AtcEntry>();

        Assert.Equal(3, atc.InvalidateExact(0x2FFF, 0x4000, removed, Never, null));

        Assert.Equal([(0x1000UL, 0x1FFFUL), (0x4001UL, 0x1FFFUL), (0x8000UL, Page)], Ranges(atc));
        Assert.Equal([(a.Id, 0x2FFFUL, 1UL), (b.Id, 0x3000UL, Page), (c.Id, 0x4000UL, 1UL)], removed.Select(e => (e.Id, e.Iova, e.Size)));
    }

    [Fact]
    public void InvalidateExact_CallerStillTracksTheEntry_RemovedWhole()
    {
        var atc = new AddressTranslationCache();
        var tracked = Insert(atc, 0x0, 4 * Page);
        var removed = new List<AtcEntry>();

        atc.InvalidateExact(0x1000, 0x1FFF, removed, static (id, entryId) => entryId == id, tracked.Id);

        Assert.Equal(tracked, Assert.Single(removed));
        Assert.Equal(0, atc.Count);
    }

    [Fact]
    public void InvalidateExact_SplitWouldOverflowCapacity_RemovedWhole()
    {
        var atc = new AddressTranslationCache(capacity: 1);
        var whole = Insert(atc, 0x0, 4 * Page);
        var removed = new List<AtcEntry>();

        atc.InvalidateExact(0x1000, 0x1FFF, removed, Never, null);

        Assert.Equal(whole, Assert.Single(removed));
        Assert.Equal(0, atc.Count);
    }

    [Fact]
    public void InvalidateExact_EntryAtTheTopOfTheAddressSpace_TailKeptWithoutWrapping()
    {
        var atc = new AddressTranslationCache();
        Assert.True(atc.TryInsert(ulong.MaxValue - 0xFFF, Page, 0x5000, AccessKind.Read, out _));

        atc.InvalidateExact(ulong.MaxValue - 0xFFF, ulong.MaxValue - 0x800, null, Never, null);

        Assert.Equal([(ulong.MaxValue - 0x7FF, 0x800UL)], Ranges(atc));
        Assert.True(atc.TryLookup(ulong.MaxValue, out var top));
        Assert.Equal(0x5FFFUL, top.Translate(ulong.MaxValue));
    }

    [Fact]
    public void InvalidateExact_RangeCoversEntries_SameAsRemoveInclusive()
    {
        var atc = new AddressTranslationCache();
        var a = Insert(atc, 0x1000, Page);
        var b = Insert(atc, 0x2000, Page);
        var removed = new List<AtcEntry>();

        Assert.Equal(2, atc.InvalidateExact(0x0, 0xFFFF, removed, Never, null));

        Assert.Equal([a, b], removed);
        Assert.Equal(0, atc.Count);
    }
}
