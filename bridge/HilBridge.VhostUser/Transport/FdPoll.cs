using System.Buffers;
using System.Runtime.InteropServices;

namespace HilBridge.VhostUser.Transport;

/// <summary>
/// poll(2) over several fds: how a queue worker waits on its kick eventfds plus a wake-up eventfd.
/// An fd counts as ready when it is readable, hung up or in error (a read will then tell which), and
/// a handle that is null or already closed counts as ready too, so a waiter never sleeps on an fd
/// that was replaced under it. Allocation-free for up to 64 fds.
/// </summary>
public static unsafe class FdPoll
{
    /// <summary>Timeout meaning "wait forever".</summary>
    public const int Infinite = -1;

    private const int StackLimit = 64;

    /// <summary>
    /// Waits until at least one fd is ready or <paramref name="timeoutMilliseconds"/> passes. Sets
    /// <paramref name="ready"/>[i] for each ready fd and returns how many are ready (0 on timeout).
    /// Interrupted waits resume with the remaining time.
    /// </summary>
    public static int WaitReadable(ReadOnlySpan<SafeHandle?> handles, Span<bool> ready, int timeoutMilliseconds)
    {
        if (ready.Length < handles.Length)
        {
            throw new ArgumentException("ready must be at least as long as handles", nameof(ready));
        }

        ready[..handles.Length].Clear();
        LibC.PollFd[]? rented = null;
        Span<LibC.PollFd> pollFds = handles.Length <= StackLimit
            ? stackalloc LibC.PollFd[StackLimit]
            : (rented = ArrayPool<LibC.PollFd>.Shared.Rent(handles.Length));
        pollFds = pollFds[..handles.Length];
        Span<bool> added = handles.Length <= StackLimit ? stackalloc bool[StackLimit] : new bool[handles.Length];
        var dead = 0;
        try
        {
            for (var i = 0; i < handles.Length; i++)
            {
                pollFds[i] = new LibC.PollFd { Fd = -1, Events = LibC.POLLIN };
                var handle = handles[i];
                try
                {
                    if (handle is not null)
                    {
                        handle.DangerousAddRef(ref added[i]);
                        pollFds[i].Fd = (int)handle.DangerousGetHandle();
                        continue;
                    }
                }
                catch (ObjectDisposedException)
                {
                }

                ready[i] = true;
                dead++;
            }

            if (dead > 0)
            {
                return dead;
            }

            return PollLoop(pollFds, ready, timeoutMilliseconds);
        }
        finally
        {
            for (var i = 0; i < handles.Length; i++)
            {
                if (added[i])
                {
                    handles[i]!.DangerousRelease();
                }
            }

            if (rented is not null)
            {
                ArrayPool<LibC.PollFd>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Same as the SafeHandle overload, for eventfds.</summary>
    public static int WaitReadable(ReadOnlySpan<EventFd?> eventFds, Span<bool> ready, int timeoutMilliseconds)
    {
        if (eventFds.Length <= StackLimit)
        {
            var handles = new SafeHandleBuffer();
            Span<SafeHandle?> span = handles;
            for (var i = 0; i < eventFds.Length; i++)
            {
                span[i] = eventFds[i]?.Handle;
            }

            return WaitReadable(span[..eventFds.Length], ready, timeoutMilliseconds);
        }

        var array = new SafeHandle?[eventFds.Length];
        for (var i = 0; i < eventFds.Length; i++)
        {
            array[i] = eventFds[i]?.Handle;
        }

        return WaitReadable(array, ready, timeoutMilliseconds);
    }

    private static int PollLoop(Span<LibC.PollFd> pollFds, Span<bool> ready, int timeoutMilliseconds)
    {
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        fixed (LibC.PollFd* p = pollFds)
        {
            while (true)
            {
                var timeout = timeoutMilliseconds < 0 ? Infinite : (int)Math.Max(0, deadline - Environment.TickCount64);
                var n = LibC.poll(p, (nuint)pollFds.Length, timeout);
                if (n < 0)
                {
                    var errno = LibC.LastError;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    throw new VhostUserTransportException("poll", errno);
                }

                for (var i = 0; i < pollFds.Length; i++)
                {
                    ready[i] = (pollFds[i].Revents & (LibC.POLLIN | LibC.POLLHUP | LibC.POLLERR | LibC.POLLNVAL)) != 0;
                }

                return n;
            }
        }
    }

    /// <summary>Stack storage for references, so the EventFd overload does not allocate.</summary>
    [System.Runtime.CompilerServices.InlineArray(StackLimit)]
    private struct SafeHandleBuffer
    {
        private SafeHandle? _element;
    }
}
