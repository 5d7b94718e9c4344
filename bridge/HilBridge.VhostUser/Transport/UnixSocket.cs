using System.Text;

namespace HilBridge.VhostUser.Transport;

/// <summary>Creating and connecting stream UNIX sockets (every fd close-on-exec).</summary>
public static unsafe class UnixSocket
{
    /// <summary>sizeof(sockaddr_un): sa_family_t plus a 108-byte path.</summary>
    internal const int SockaddrLength = 110;
    private const int MaxPathBytes = 107;

    /// <summary>A connected pair, as QEMU makes for the back-end request channel.</summary>
    public static (OwnedFd First, OwnedFd Second) CreatePair()
    {
        var fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw VhostUserTransportException.FromLastError("socketpair");
        }

        return (new OwnedFd(fds[0]), new OwnedFd(fds[1]));
    }

    /// <summary>Connects to a listening socket at <paramref name="path"/> (what QEMU's chardev does).</summary>
    public static OwnedFd Connect(string path)
    {
        var socket = CreateStreamSocket();
        try
        {
            var address = stackalloc byte[SockaddrLength];
            var length = WriteAddress(path, address);
            int rc;
            do
            {
                rc = LibC.connect(socket.DangerousFd, address, length);
            }
            while (rc != 0 && LibC.LastError == LibC.EINTR);

            if (rc != 0)
            {
                throw VhostUserTransportException.FromLastError($"connect({path})");
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static OwnedFd CreateStreamSocket()
    {
        var fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        return fd >= 0 ? new OwnedFd(fd) : throw VhostUserTransportException.FromLastError("socket");
    }

    /// <summary>Fills a sockaddr_un; returns its length. Paths that do not fit are refused, never truncated.</summary>
    internal static uint WriteAddress(string path, byte* address)
    {
        var byteCount = Encoding.UTF8.GetByteCount(path);
        if (byteCount == 0 || byteCount > MaxPathBytes || path.Contains('\0'))
        {
            throw new ArgumentException($"UNIX socket path must be 1..{MaxPathBytes} bytes without NUL", nameof(path));
        }

        new Span<byte>(address, SockaddrLength).Clear();
        *(ushort*)address = LibC.AF_UNIX;
        Encoding.UTF8.GetBytes(path, new Span<byte>(address + 2, MaxPathBytes));
        return (uint)(2 + byteCount + 1);
    }

    /// <summary>
    /// Makes way for a listener at <paramref name="path"/>: removes a socket file whose listener is gone
    /// (a killed process leaves one behind); refuses anything else there, and a socket still served.
    /// </summary>
    public static void RemoveStale(string path)
    {
        var buffer = stackalloc byte[LibC.StatxBufferSize];
        if (LibC.statx(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_TYPE, buffer) != 0)
        {
            var errno = LibC.LastError;
            if (errno == LibC.ENOENT)
            {
                return;
            }

            throw new VhostUserTransportException($"statx({path})", errno);
        }

        var mode = *(ushort*)(buffer + LibC.StatxModeOffset);
        if ((mode & LibC.S_IFMT) != LibC.S_IFSOCK)
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it");
        }

        // A socket file whose listener is gone refuses connections; a live one means another back-end
        // is serving this path and must not be hijacked.
        try
        {
            using var probe = UnixSocket.Connect(path);
        }
        catch (VhostUserTransportException e) when (e.Errno == LibC.ECONNREFUSED)
        {
            LibC.unlink(path);
            return;
        }

        throw new IOException($"{path} is in use by another listener");
    }
}
