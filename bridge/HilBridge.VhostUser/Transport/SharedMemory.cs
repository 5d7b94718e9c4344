namespace HilBridge.VhostUser.Transport;

/// <summary>Anonymous shared memory to hand to a peer, as QEMU's memory-backend-memfd does.</summary>
public static class SharedMemory
{
    /// <summary>Creates a close-on-exec memfd of <paramref name="size"/> bytes (zero-filled).</summary>
    public static OwnedFd CreateMemfd(string name, ulong size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (ulong)long.MaxValue);
        var fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC);
        if (fd < 0)
        {
            throw VhostUserTransportException.FromLastError("memfd_create");
        }

        var owned = new OwnedFd(fd);
        if (LibC.ftruncate(fd, (long)size) != 0)
        {
            var error = VhostUserTransportException.FromLastError("ftruncate");
            owned.Dispose();
            throw error;
        }

        return owned;
    }
}
