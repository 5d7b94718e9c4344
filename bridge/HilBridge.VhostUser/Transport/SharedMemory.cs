namespace HilBridge.VhostUser.Transport;

/// <summary>Anonymous shared memory to hand to a peer, as QEMU's memory-backend-memfd does.</summary>
public static class SharedMemory
{
    /// <summary>
    /// Creates a close-on-exec memfd of <paramref name="size"/> bytes (zero-filled), sealed against
    /// growing and shrinking as QEMU's memory-backend-memfd does by default: a peer we hand it to can
    /// then map it without fearing SIGBUS (see <see cref="GuestMemoryFd"/>). <paramref name="seal"/>
    /// false leaves it resizable (tests play a hostile front-end with it).
    /// </summary>
    public static OwnedFd CreateMemfd(string name, ulong size, bool seal = true)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (ulong)long.MaxValue);
        var fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw VhostUserTransportException.FromLastError("memfd_create");
        }

        var owned = new OwnedFd(fd);
        if (LibC.ftruncate(fd, (long)size) != 0
            || (seal && LibC.fcntl(fd, LibC.F_ADD_SEALS, LibC.F_SEAL_GROW | LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL) != 0))
        {
            var error = VhostUserTransportException.FromLastError("ftruncate/F_ADD_SEALS");
            owned.Dispose();
            throw error;
        }

        return owned;
    }

    /// <summary>ftruncate: what a hostile peer does to memory it shared (refused with EPERM once sealed).</summary>
    public static void Resize(OwnedFd fd, ulong size)
    {
        ArgumentNullException.ThrowIfNull(fd);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (ulong)long.MaxValue);
        if (LibC.ftruncate(fd.DangerousFd, (long)size) != 0)
        {
            throw VhostUserTransportException.FromLastError("ftruncate");
        }
    }
}
