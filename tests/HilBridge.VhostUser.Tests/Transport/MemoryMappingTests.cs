using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

public class MemoryMappingTests
{
    [Fact]
    public void MapRegion_WithMmapOffset_RegionPointerIsBasePlusOffset()
    {
        using var memfd = SharedMemory.CreateMemfd("test", 0x20000);
        using var whole = MemoryMapping.Map(memfd, 0x20000);
        var region = new MemoryRegionDescription(0x4000_0000, 0x10000, 0x7f00_0000_0000, 0x1000);

        using var mapping = MemoryMapping.MapRegion(memfd, region);
        whole.GetSpan(0x1000 + 0x42, 4).Fill(0x5a);

        Assert.Equal(0x11000UL, mapping.Length);
        Assert.Equal(mapping.BasePointer + 0x1000, mapping.RegionPointer);
        Assert.Equal(0x10000UL, mapping.RegionSize);
        Assert.Equal([0x5a, 0x5a, 0x5a, 0x5a], mapping.GetSpan(0x42, 4).ToArray());
    }

    [Fact]
    public void MapRegion_FileShorterThanRegion_RefusedInsteadOfSigbus()
    {
        using var memfd = SharedMemory.CreateMemfd("short", 0x1000);

        var e = Assert.Throws<VhostUserTransportException>(() => MemoryMapping.MapRegion(memfd, new MemoryRegionDescription(0, 0x10000, 0, 0)));

        Assert.Contains("0x1000 bytes", e.Message);
    }

    [Fact]
    public void MapRegion_UnsealedMemfd_RefusedBecauseItCouldShrink()
    {
        using var memfd = SharedMemory.CreateMemfd("unsealed", 0x10000, seal: false);

        var e = Assert.Throws<VhostUserTransportException>(() => MemoryMapping.MapRegion(memfd, new MemoryRegionDescription(0, 0x10000, 0, 0)));

        Assert.Contains("not sealed against shrinking", e.Message);
        Assert.Contains("--trust-unsealed-memory", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MapRegion_DevZero_RefusedAsNotGuestMemoryEvenWhenTrusted(bool trustUnsealed)
    {
        using var zero = File.OpenHandle("/dev/zero", FileMode.Open, FileAccess.ReadWrite);

        var e = Assert.Throws<VhostUserTransportException>(() => MemoryMapping.MapRegion(zero, new MemoryRegionDescription(0, 0x10000, 0, 0), trustUnsealed));

        Assert.Contains("character device, not guest memory", e.Message);
    }

    [Fact]
    public void MapRegion_UnsealedMemfdTrusted_Mapped()
    {
        using var memfd = SharedMemory.CreateMemfd("trusted", 0x10000, seal: false);

        using var mapping = MemoryMapping.MapRegion(memfd, new MemoryRegionDescription(0, 0x10000, 0, 0), trustUnsealed: true);

        Assert.Equal(0x10000UL, mapping.RegionSize);
    }

    [Fact]
    public void MapRegion_RegularFileOnDisk_RefusedAsUnsealable()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[0x1000]);
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

            var e = Assert.Throws<VhostUserTransportException>(() => MemoryMapping.MapRegion(file, new MemoryRegionDescription(0, 0x1000, 0, 0)));

            // ext4 cannot seal at all (EINVAL), tmpfs starts a plain file with F_SEAL_SEAL: refused either way.
            Assert.Contains("--trust-unsealed-memory", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(ulong.MaxValue, 1UL)]
    public void MapRegion_EmptyOrOverflowingRegion_Refused(ulong size, ulong offset)
    {
        using var memfd = SharedMemory.CreateMemfd("bad", 0x1000);

        Assert.Throws<ArgumentException>(() => MemoryMapping.MapRegion(memfd, new MemoryRegionDescription(0, size, 0, offset)));
    }

    [Theory]
    [InlineData(0xfffUL, 2)]
    [InlineData(0x1000UL, 1)]
    [InlineData(ulong.MaxValue, 1)]
    public void GetSpan_OutsideRegion_Throws(ulong offset, int length)
    {
        using var memfd = SharedMemory.CreateMemfd("bounds", 0x1000);
        using var mapping = MemoryMapping.Map(memfd, 0x1000);

        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.GetSpan(offset, length));
    }

    [Fact]
    public void Dispose_Twice_UnmapsOnceAndPointerAccessThrows()
    {
        using var memfd = SharedMemory.CreateMemfd("dispose", 0x1000);
        var mapping = MemoryMapping.Map(memfd, 0x1000);

        mapping.Dispose();
        mapping.Dispose();

        Assert.True(mapping.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => mapping.BasePointer);
    }
}
