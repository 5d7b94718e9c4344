namespace HilBridge.VhostUser.Transport;

/// <summary>
/// An eventfd: vring kick and call notifiers from QEMU, or a wake-up fd of our own. The fd is kept
/// non-blocking (QEMU creates its notifiers that way too; O_NONBLOCK lives in the shared open file
/// description) so <see cref="TryConsume"/> never blocks. Safe to signal from any thread; once
/// disposed, <see cref="Signal"/> and <see cref="TryConsume"/> return false instead of throwing,
/// because a worker may race with QEMU replacing the fd.
/// </summary>
public sealed unsafe class EventFd : IDisposable
{
    /// <summary>Takes ownership of <paramref name="handle"/> (e.g. a received kick fd) and makes it non-blocking.</summary>
    public EventFd(OwnedFd handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Handle = handle;
        using var lease = new FdLease(handle);
        var flags = LibC.fcntl(lease.Fd, LibC.F_GETFL, 0);
        if (flags < 0 || ((flags & LibC.O_NONBLOCK) == 0 && LibC.fcntl(lease.Fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) != 0))
        {
            throw VhostUserTransportException.FromLastError("fcntl(O_NONBLOCK)");
        }
    }

    /// <summary>The owned fd, e.g. to pass to QEMU or to <see cref="FdPoll"/>.</summary>
    public OwnedFd Handle { get; }

    /// <summary>Creates a new close-on-exec, non-blocking eventfd.</summary>
    public static EventFd Create(uint initialValue = 0, bool semaphore = false)
    {
        var fd = LibC.eventfd(initialValue, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK | (semaphore ? LibC.EFD_SEMAPHORE : 0));
        return fd >= 0 ? new EventFd(new OwnedFd(fd)) : throw VhostUserTransportException.FromLastError("eventfd");
    }

    /// <summary>Adds <paramref name="value"/> to the counter. False if the fd is closed. A saturated counter already counts as signalled.</summary>
    public bool Signal(ulong value = 1)
    {
        var added = false;
        try
        {
            Handle.DangerousAddRef(ref added);
            var fd = (int)Handle.DangerousGetHandle();
            while (true)
            {
                if (LibC.write(fd, &value, sizeof(ulong)) == sizeof(ulong))
                {
                    return true;
                }

                var errno = LibC.LastError;
                if (errno == LibC.EINTR)
                {
                    continue;
                }

                return errno == LibC.EAGAIN ? true : throw new VhostUserTransportException("eventfd write", errno);
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                Handle.DangerousRelease();
            }
        }
    }

    /// <summary>Reads and resets the counter if it is non-zero. False if nothing was pending or the fd is closed.</summary>
    public bool TryConsume(out ulong value)
    {
        value = 0;
        var added = false;
        try
        {
            Handle.DangerousAddRef(ref added);
            var fd = (int)Handle.DangerousGetHandle();
            ulong counter;
            while (true)
            {
                if (LibC.read(fd, &counter, sizeof(ulong)) == sizeof(ulong))
                {
                    value = counter;
                    return true;
                }

                var errno = LibC.LastError;
                if (errno == LibC.EINTR)
                {
                    continue;
                }

                return errno == LibC.EAGAIN ? false : throw new VhostUserTransportException("eventfd read", errno);
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                Handle.DangerousRelease();
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> (-1: forever) for a signal and consumes it.</summary>
    public bool WaitAndConsume(int timeoutMilliseconds, out ulong value)
    {
        Span<bool> ready = stackalloc bool[1];
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        while (true)
        {
            if (TryConsume(out value))
            {
                return true;
            }

            if (Handle.IsClosed)
            {
                return false;
            }

            var remaining = timeoutMilliseconds < 0 ? FdPoll.Infinite : (int)Math.Max(0, deadline - Environment.TickCount64);
            if (FdPoll.WaitReadable([this], ready, remaining) == 0 && remaining != FdPoll.Infinite)
            {
                return TryConsume(out value);
            }
        }
    }

    public void Dispose() => Handle.Dispose();
}
