using System.Runtime.InteropServices;
using HilBridge.Core.Memory;

namespace HilBridge.Core.Tests.Memory;

public class MemoryTableTests
{
    // Two regions adjacent in QEMU's address space and in guest-physical space, but mapped apart by us.
    private static readonly MemoryRegion Low = new(GuestPhysAddr: 0x4000_0000, Size: 0x1000, UserAddr: 0x7f00_0000_0000, HostAddress: 0x10_0000);
    private static readonly MemoryRegion High = new(GuestPhysAddr: 0x4000_1000, Size: 0x2000, UserAddr: 0x7f00_0000_1000, HostAddress: 0x90_0000);
    private static readonly MemoryRegion Far = new(GuestPhysAddr: 0x1_0000_0000, Size: 0x1000, UserAddr: 0x7e00_0000_0000, HostAddress: 0x50_0000);

    private static MemoryTable Table() => new([High, Far, Low]);

    [Fact]
    public void Ctor_ValidRegions_KeepsGivenOrder()
    {
        var table = Table();

        Assert.Equal(3, table.Count);
        Assert.Equal([High, Far, Low], table.Regions);
    }

    [Fact]
    public void TryResolveUser_AddressInsideRegion_ReturnsHostAtSameOffset()
    {
        Assert.True(Table().TryResolveUser(0x7f00_0000_1010, 0x10, out var host, out var contiguous));

        Assert.Equal((nint)0x90_0010, host);
        Assert.Equal(0x10UL, contiguous);
    }

    [Fact]
    public void TryResolveGuestPhys_AddressInsideRegion_ReturnsHostAtSameOffset()
    {
        Assert.True(Table().TryResolveGuestPhys(0x1_0000_0ff0, 8, out var host, out var contiguous));

        Assert.Equal((nint)0x50_0ff0, host);
        Assert.Equal(8UL, contiguous);
    }

    [Fact]
    public void TryResolveUser_RangeCrossesRegionEnd_TruncatesAtRegionEnd()
    {
        Assert.True(Table().TryResolveUser(0x7f00_0000_0ff0, 0x100, out var host, out var contiguous));

        Assert.Equal((nint)0x10_0ff0, host);
        Assert.Equal(0x10UL, contiguous);
    }

    [Fact]
    public void TryResolveGuestPhys_RangeCrossesRegionEnd_TruncatesAtRegionEnd()
    {
        Assert.True(Table().TryResolveGuestPhys(0x4000_0800, 0x1000, out _, out var contiguous));

        Assert.Equal(0x800UL, contiguous);
    }

    [Fact]
    public void TryResolveUser_RangeOverAdjacentRegions_ResolvesInPiecesWithDifferentHosts()
    {
        var table = Table();
        var pieces = new List<(nint Host, ulong Length)>();
        ulong address = 0x7f00_0000_0f00, remaining = 0x200;
        while (remaining > 0)
        {
            Assert.True(table.TryResolveUser(address, remaining, out var host, out var contiguous));
            pieces.Add((host, contiguous));
            address += contiguous;
            remaining -= contiguous;
        }

        Assert.Equal([((nint)0x10_0f00, 0x100UL), ((nint)0x90_0000, 0x100UL)], pieces);
    }

    [Fact]
    public void TryResolveUser_HugeLength_TruncatesToRegion()
    {
        Assert.True(Table().TryResolveUser(0x7f00_0000_1000, ulong.MaxValue, out _, out var contiguous));

        Assert.Equal(0x2000UL, contiguous);
    }

    [Fact]
    public void TryResolveUser_LastByteOfRegion_ResolvesOneByte()
    {
        Assert.True(Table().TryResolveUser(0x7f00_0000_2fff, 16, out var host, out var contiguous));

        Assert.Equal((nint)0x90_1fff, host);
        Assert.Equal(1UL, contiguous);
    }

    [Theory]
    [InlineData(0x7f00_0000_3000UL)] // just past the last adjacent region
    [InlineData(0x7dff_ffff_ffffUL)] // below every region
    [InlineData(0x7e00_0000_1000UL)] // in the gap between Far and Low
    [InlineData(ulong.MaxValue)]
    [InlineData(0UL)]
    public void TryResolveUser_AddressOutsideRegions_ReturnsFalse(ulong address)
    {
        Assert.False(Table().TryResolveUser(address, 1, out var host, out var contiguous));

        Assert.Equal(0, host);
        Assert.Equal(0UL, contiguous);
    }

    [Fact]
    public void TryResolveUser_ZeroLengthInsideRegion_ResolvesWithZeroContiguous()
    {
        Assert.True(Table().TryResolveUser(0x7f00_0000_0000, 0, out var host, out var contiguous));

        Assert.Equal((nint)0x10_0000, host);
        Assert.Equal(0UL, contiguous);
    }

    [Fact]
    public void TryResolveUser_ZeroLengthOneByteAfterRegion_ReturnsFalse()
    {
        Assert.False(Table().TryResolveUser(0x7e00_0000_1000, 0, out _, out _));
    }

    [Fact]
    public void Empty_AnyAddress_ResolvesNothing()
    {
        Assert.False(MemoryTable.Empty.TryResolveUser(0, 1, out _, out _));
        Assert.False(MemoryTable.Empty.TryResolveGuestPhys(0x4000_0000, 1, out _, out _));
        Assert.Equal(0, MemoryTable.Empty.Count);
    }

    [Fact]
    public void Ctor_RegionEndingOnePageBelowTopOfSpace_ResolvesItsLastByte()
    {
        var top = new MemoryRegion(ulong.MaxValue - 0x1fff, 0x1000, ulong.MaxValue - 0x1fff, 0x1000);
        var table = new MemoryTable([top]);

        Assert.True(table.TryResolveGuestPhys(ulong.MaxValue - 0x1000, 0x1000, out var host, out var contiguous));
        Assert.Equal((nint)0x1fff, host);
        Assert.Equal(1UL, contiguous);
        Assert.False(table.TryResolveGuestPhys(ulong.MaxValue, 1, out _, out _));
    }

    [Fact]
    public void Ctor_ZeroSize_ThrowsZeroSize()
    {
        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([Low, Low with { Size = 0, UserAddr = 0, GuestPhysAddr = 0 }]));

        Assert.Equal(MemoryTableError.ZeroSize, ex.Error);
        Assert.Equal(1, ex.RegionIndex);
        Assert.Contains("region 1", ex.Message);
    }

    [Fact]
    public void Ctor_GuestPhysWraps_ThrowsGuestPhysWrap()
    {
        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([Low with { GuestPhysAddr = ulong.MaxValue - 0xfff }]));

        Assert.Equal(MemoryTableError.GuestPhysWrap, ex.Error);
    }

    [Fact]
    public void Ctor_UserWraps_ThrowsUserWrap()
    {
        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([Low with { UserAddr = ulong.MaxValue, Size = 2 }]));

        Assert.Equal(MemoryTableError.UserWrap, ex.Error);
    }

    [Fact]
    public void Ctor_HugeSizeWraps_ThrowsWrap()
    {
        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([new MemoryRegion(1, ulong.MaxValue, 0, 0x1000)]));

        Assert.Equal(MemoryTableError.GuestPhysWrap, ex.Error);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-0x800L)] // 0xffff...f800 + 0x1000 wraps
    public void Ctor_BadHostMapping_ThrowsBadHostMapping(long host)
    {
        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([Low with { HostAddress = (nint)host }]));

        Assert.Equal(MemoryTableError.BadHostMapping, ex.Error);
    }

    [Fact]
    public void Ctor_OverlapInUserSpace_ThrowsUserOverlapNamingBothRegions()
    {
        var overlapping = Far with { UserAddr = Low.UserAddr + 0xfff };

        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([Low, overlapping]));

        Assert.Equal(MemoryTableError.UserOverlap, ex.Error);
        Assert.Equal(1, ex.RegionIndex);
        Assert.Contains("region 1", ex.Message);
        Assert.Contains("region 0", ex.Message);
    }

    [Fact]
    public void Ctor_OverlapInGuestPhysSpace_ThrowsGuestPhysOverlap()
    {
        var overlapping = Far with { GuestPhysAddr = High.GuestPhysAddr + 0x1fff };

        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([overlapping, High]));

        Assert.Equal(MemoryTableError.GuestPhysOverlap, ex.Error);
    }

    [Fact]
    public void Ctor_ContainedRegion_ThrowsOverlap()
    {
        var inner = Far with { UserAddr = High.UserAddr + 0x100, Size = 0x10 };

        Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable([High, inner]));
    }

    [Fact]
    public void Ctor_MaxRegions_Accepted()
    {
        var regions = Enumerable.Range(0, MemoryTable.MaxRegions)
            .Select(i => new MemoryRegion((ulong)i * 0x1000, 0x1000, 0x7f00_0000_0000 + (ulong)i * 0x1000, 0x10_0000 + i * 0x1000))
            .ToArray();

        var table = new MemoryTable(regions);

        Assert.True(table.TryResolveGuestPhys(508UL * 0x1000 + 5, 1, out var host, out _));
        Assert.Equal((nint)(0x10_0000 + 508 * 0x1000 + 5), host);
    }

    [Fact]
    public void Ctor_MoreThanMaxRegions_ThrowsTooManyRegions()
    {
        var regions = Enumerable.Range(0, MemoryTable.MaxRegions + 1)
            .Select(i => new MemoryRegion((ulong)i * 0x1000, 0x1000, (ulong)i * 0x1000, 0x10_0000))
            .ToArray();

        var ex = Assert.Throws<InvalidMemoryTableException>(() => new MemoryTable(regions));

        Assert.Equal(MemoryTableError.TooManyRegions, ex.Error);
    }

    [Fact]
    public void TryCreate_InvalidRegions_ReturnsErrorAsValue()
    {
        Assert.False(MemoryTable.TryCreate([Low, Low], out var table, out var error));

        Assert.Null(table);
        Assert.Equal(MemoryTableError.UserOverlap, error!.Error);
    }

    [Fact]
    public void TryCreate_ValidRegions_ReturnsTable()
    {
        Assert.True(MemoryTable.TryCreate([Low, High], out var table, out var error));

        Assert.Null(error);
        Assert.True(table.TryResolveUser(High.UserAddr, 1, out _, out _));
    }

    [Fact]
    public void TryGetUserSpan_MappedBuffer_ReadsAndWritesThroughMapping()
    {
        var backing = new byte[0x100];
        var handle = GCHandle.Alloc(backing, GCHandleType.Pinned);
        try
        {
            var table = new MemoryTable([new MemoryRegion(0, (ulong)backing.Length, 0x7000, handle.AddrOfPinnedObject())]);

            Assert.True(table.TryGetUserSpan(0x70f0, 0x40, out var span));
            Assert.Equal(0x10, span.Length);
            span.Fill(0xab);

            Assert.All(backing[0xf0..], b => Assert.Equal(0xab, b));
            Assert.All(backing[..0xf0], b => Assert.Equal(0, b));
            Assert.False(table.TryGetUserSpan(0x7100, 1, out _));
        }
        finally
        {
            handle.Free();
        }
    }

    [Fact]
    public void AsSpan_LengthBeyondIntMax_CappedToIntMax()
    {
        var span = MemoryTable.AsSpan(0x1000, 1UL << 40);

        Assert.Equal(int.MaxValue, span.Length);
    }

    [Fact]
    public void TryResolveUser_RepeatedLookups_AllocateNothing()
    {
        var table = Table();
        table.TryResolveUser(0x7f00_0000_1010, 1, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            table.TryResolveUser(0x7f00_0000_1010 + (ulong)i, 16, out _, out _);
            table.TryResolveGuestPhys(0x4000_0000 + (ulong)i, 16, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
