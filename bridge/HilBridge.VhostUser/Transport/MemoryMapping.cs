using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;

namespace HilBridge.VhostUser.Transport;

/// <summary>
/// A MAP_SHARED, read-write mapping of a memory fd (a guest RAM memfd from SET_MEM_TABLE, or one the
/// front-end created). For a guest region it maps the way QEMU's own back-ends do: offset 0, length
/// <c>memory_size + mmap_offset</c>, the region starting at <c>base + mmap_offset</c>.
/// <para>
/// A regular file shorter than the mapping is refused up front: touching a page past its end would
/// raise SIGBUS and kill the process. A guest region must also be memory that cannot shrink later
/// (<see cref="GuestMemoryFd"/>). Dispose unmaps; the owner must make sure no other thread still
/// uses the pointers (stop the queues first).
/// </para>
/// </summary>
public sealed unsafe class MemoryMapping : IDisposable
{
    private nint _base;

    private MemoryMapping(nint basePointer, ulong length, ulong regionOffset, ulong regionSize)
    {
        _base = basePointer;
        Length = length;
        RegionOffset = regionOffset;
        RegionSize = regionSize;
    }

    /// <summary>Start of the whole mapping (file offset 0).</summary>
    public nint BasePointer => _base != 0 ? _base : throw new ObjectDisposedException(nameof(MemoryMapping));

    /// <summary>Bytes mapped.</summary>
    public ulong Length { get; }

    /// <summary>Where the region starts inside the mapping (mmap_offset).</summary>
    public ulong RegionOffset { get; }

    /// <summary>Usable bytes from <see cref="RegionPointer"/> (memory_size).</summary>
    public ulong RegionSize { get; }

    /// <summary>Host address of the region's first byte.</summary>
    public nint RegionPointer => BasePointer + (nint)RegionOffset;

    public bool IsDisposed => _base == 0;

    /// <summary>Maps <paramref name="length"/> bytes of our own <paramref name="fd"/> from offset 0; the region is the whole mapping.</summary>
    public static MemoryMapping Map(SafeHandle fd, ulong length) => MapCore(fd, length, 0, length, check: null);

    /// <summary>
    /// Maps a guest memory region a front-end described (SET_MEM_TABLE, ADD_MEM_REG, SET_INFLIGHT_FD),
    /// after <see cref="GuestMemoryFd.Check"/>: only a regular file that cannot shrink, unless
    /// <paramref name="trustUnsealed"/>.
    /// </summary>
    public static MemoryMapping MapRegion(SafeHandle fd, in MemoryRegionDescription region, bool trustUnsealed = false)
    {
        if (region.MemorySize == 0 || region.MemorySize > ulong.MaxValue - region.MmapOffset)
        {
            throw new ArgumentException($"region size 0x{region.MemorySize:x} at offset 0x{region.MmapOffset:x} is empty or overflows", nameof(region));
        }

        return MapCore(fd, region.MemorySize + region.MmapOffset, region.MmapOffset, region.MemorySize, check: trustUnsealed);
    }

    /// <summary>A span over [offset, offset + length) of the region, bounds-checked.</summary>
    public Span<byte> GetSpan(ulong offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > RegionSize || (ulong)length > RegionSize - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[0x{offset:x}, +0x{length:x}) is outside the 0x{RegionSize:x}-byte region");
        }

        return new Span<byte>((byte*)RegionPointer + offset, length);
    }

    public void Dispose()
    {
        var address = Interlocked.Exchange(ref _base, 0);
        if (address != 0)
        {
            LibC.munmap(address, (nuint)Length);
        }
    }

    /// <param name="check">null for our own memory (only the length is checked), else the <c>trustUnsealed</c> of a guest check.</param>
    private static MemoryMapping MapCore(SafeHandle fd, ulong length, ulong regionOffset, ulong regionSize, bool? check)
    {
        ArgumentNullException.ThrowIfNull(fd);
        if (length == 0 || length > (ulong)nint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"cannot map 0x{length:x} bytes");
        }

        using var lease = new FdLease(fd);
        if (check is { } trustUnsealed)
        {
            GuestMemoryFd.Check(lease.Fd, length, trustUnsealed);
        }
        else
        {
            EnsureFileIsLongEnough(lease.Fd, length);
        }

        var address = LibC.mmap(0, (nuint)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, lease.Fd, 0);
        if (address == LibC.MAP_FAILED)
        {
            throw VhostUserTransportException.FromLastError($"mmap(0x{length:x} bytes)");
        }

        return new MemoryMapping(address, length, regionOffset, regionSize);
    }

    private static void EnsureFileIsLongEnough(int fd, ulong length)
    {
        var buffer = stackalloc byte[LibC.StatxBufferSize];
        if (LibC.statx(fd, string.Empty, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_SIZE, buffer) != 0)
        {
            throw VhostUserTransportException.FromLastError("statx(memory fd)");
        }

        var mode = *(ushort*)(buffer + LibC.StatxModeOffset);
        var size = *(ulong*)(buffer + LibC.StatxSizeOffset);
        if ((mode & LibC.S_IFMT) == LibC.S_IFREG && size < length)
        {
            throw new VhostUserTransportException($"memory fd holds 0x{size:x} bytes, 0x{length:x} requested");
        }
    }
}
