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
}
