namespace HilBridge.VhostUser.Transport;

/// <summary>
/// Decides whether an fd a front-end sent as guest memory (SET_MEM_TABLE, SET_INFLIGHT_FD) can be
/// mapped without handing the front-end a way to kill the bridge.
/// <para>
/// The danger is SIGBUS: a MAP_SHARED page past the end of its file faults when touched, and .NET
/// turns that into a fatal AccessViolationException (it cannot be caught), so a front-end that shrinks
/// its memory file after the table was accepted could abort the whole process from a queue worker.
/// Containing the fault would mean reaching guest memory only through syscalls that return EFAULT
/// instead of plain loads and stores (the whole data path works on spans over the mapping); instead
/// the bridge refuses memory that can shrink. A memfd carries seals: with F_SEAL_SHRINK no one can
/// ever make it smaller, and seals are never removed. QEMU 7.2's memory-backend-memfd seals
/// GROW|SHRINK|SEAL by default (seal=on, backends/hostmem-memfd.c) and fails rather than run unsealed.
/// </para>
/// <para>
/// Files that cannot carry that seal: QEMU's memory-backend-file (a file on hugetlbfs or /dev/shm,
/// created and unlinked by QEMU; such files start with F_SEAL_SEAL, so no seal can be added) and files
/// on other file systems (F_GET_SEALS fails with EINVAL). They are refused unless the bridge was told
/// to trust its front-end (<c>trustUnsealed</c>); then a truncation under the bridge still kills it.
/// Huge pages with seals: memory-backend-memfd,hugetlb=on (hugetlbfs memfds take seals since Linux 4.16).
/// </para>
/// </summary>
public static unsafe class GuestMemoryFd
{
    /// <summary>
    /// Throws <see cref="VhostUserTransportException"/> unless <paramref name="fd"/> is a regular file
    /// (memfd, tmpfs, hugetlbfs or any file system) of at least <paramref name="length"/> bytes that
    /// cannot shrink (or <paramref name="trustUnsealed"/>). Character devices such as /dev/zero, block
    /// devices, pipes, sockets and directories are not memory a guest can have.
    /// </summary>
    public static void Check(int fd, ulong length, bool trustUnsealed)
    {
        var (mode, _) = Stat(fd);
        if ((mode & LibC.S_IFMT) != LibC.S_IFREG)
        {
            throw new VhostUserTransportException(
                $"memory fd is a {Describe(mode)}, not guest memory (a regular file: memfd, tmpfs or hugetlbfs)");
        }

        // Seals first, size second: a seal, once seen, is permanent, so the size read after it cannot
        // shrink any more; read the other way round, the file could shrink between the two reads.
        var seals = LibC.fcntl(fd, LibC.F_GET_SEALS, 0);
        if (seals < 0 && LibC.LastError != LibC.EINVAL)
        {
            throw VhostUserTransportException.FromLastError("fcntl(F_GET_SEALS)");
        }

        if ((seals < 0 || (seals & LibC.F_SEAL_SHRINK) == 0) && !trustUnsealed)
        {
            throw new VhostUserTransportException(
                (seals < 0 ? "memory fd is on a file system without seals" : "memory fd is not sealed against shrinking (no F_SEAL_SHRINK)")
                + ": the front-end could truncate it under the bridge (SIGBUS). QEMU's memory-backend-memfd seals by default; "
                + "for memory-backend-file (hugetlbfs, /dev/shm) start the bridge with --trust-unsealed-memory");
        }

        var (_, size) = Stat(fd);
        if (size < length)
        {
            throw new VhostUserTransportException($"memory fd holds 0x{size:x} bytes, 0x{length:x} requested");
        }
    }

    private static (int Mode, ulong Size) Stat(int fd)
    {
        var buffer = stackalloc byte[LibC.StatxBufferSize];
        if (LibC.statx(fd, string.Empty, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_SIZE, buffer) != 0)
        {
            throw VhostUserTransportException.FromLastError("statx(memory fd)");
        }

        return (*(ushort*)(buffer + LibC.StatxModeOffset), *(ulong*)(buffer + LibC.StatxSizeOffset));
    }

    private static string Describe(int mode) => (mode & LibC.S_IFMT) switch
    {
        LibC.S_IFCHR => "character device",
        LibC.S_IFBLK => "block device",
        LibC.S_IFDIR => "directory",
        LibC.S_IFIFO => "pipe",
        LibC.S_IFSOCK => "socket",
        var other => $"file of type 0{Convert.ToString(other, 8)}",
    };
}
