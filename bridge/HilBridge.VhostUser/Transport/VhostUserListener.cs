namespace HilBridge.VhostUser.Transport;

/// <summary>
/// The listening UNIX socket QEMU's <c>-chardev socket,path=...</c> connects to. The socket file is
/// created owner-only (0600): whoever can connect can hand the back-end guest memory and drive it.
/// A stale socket file left by a previous run is replaced; anything else at the path is refused.
/// Dispose closes the socket and removes the file.
/// </summary>
public sealed unsafe class VhostUserListener : IDisposable
{
    private const uint OwnerOnlyUmask = 0x3F; // 077
    private const uint OwnerReadWrite = 0x180; // 0600
    private const int ECONNABORTED = 103;

    private readonly OwnedFd _socket;
    private readonly EventFd _wake = EventFd.Create();
    private int _disposed;

    private VhostUserListener(string path, OwnedFd socket)
    {
        Path = path;
        _socket = socket;
    }

    /// <summary>The socket file's path.</summary>
    public string Path { get; }

    /// <summary>Creates the socket file at <paramref name="path"/> and starts listening.</summary>
    public static VhostUserListener Bind(string path, int backlog = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        UnixSocket.RemoveStale(path);
        var socket = UnixSocket.CreateStreamSocket();
        try
        {
            var address = stackalloc byte[UnixSocket.SockaddrLength];
            var length = UnixSocket.WriteAddress(path, address);

            // bind() creates the file with 0777 & ~umask, so it is never group/world-accessible, not
            // even for an instant; the umask is process-wide, hence restored immediately. chmod then
            // pins 0600 regardless of what the umask was.
            var previous = LibC.umask(OwnerOnlyUmask);
            int rc;
            int errno;
            try
            {
                rc = LibC.bind(socket.DangerousFd, address, length);
                errno = LibC.LastError; // before umask(), whose own call resets the saved errno to 0
            }
            finally
            {
                LibC.umask(previous);
            }

            if (rc != 0)
            {
                throw new VhostUserTransportException($"bind({path})", errno);
            }

            if (LibC.chmod(path, OwnerReadWrite) != 0 || LibC.listen(socket.DangerousFd, backlog) != 0)
            {
                var error = VhostUserTransportException.FromLastError($"chmod/listen({path})");
                LibC.unlink(path);
                throw error;
            }

            return new VhostUserListener(path, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the next front-end. Returns null when <paramref name="cancellationToken"/> fires or
    /// the listener is disposed; the caller owns the returned endpoint.
    /// </summary>
    public VhostUserEndpoint? Accept(CancellationToken cancellationToken = default, int maxPayloadSize = Protocol.VhostUserLimits.DefaultMaxPayloadSize)
    {
        using var registration = cancellationToken.Register(static state => ((EventFd)state!).Signal(), _wake);
        Span<bool> ready = stackalloc bool[2];
        try
        {
            while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
            {
                FdPoll.WaitReadable([_socket, _wake.Handle], ready, FdPoll.Infinite);

                // Drain the wake-up so a later Accept does not find it still set and spin.
                _wake.TryConsume(out _);
                if (!ready[0] || Volatile.Read(ref _disposed) != 0)
                {
                    continue;
                }

                using var lease = new FdLease(_socket);
                var fd = LibC.accept4(lease.Fd, null, null, LibC.SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    return new VhostUserEndpoint(new OwnedFd(fd), maxPayloadSize);
                }

                var errno = LibC.LastError;
                if (errno is not (LibC.EINTR or LibC.EAGAIN or LibC.ECONNRESET or ECONNABORTED))
                {
                    throw new VhostUserTransportException("accept4", errno);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed from another thread while waiting: same as cancellation.
        }

        return null;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _wake.Signal();
        LibC.unlink(Path);
        _socket.Dispose();
        _wake.Dispose();
    }
}
