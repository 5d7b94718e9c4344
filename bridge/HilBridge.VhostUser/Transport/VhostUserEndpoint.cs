using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;

namespace HilBridge.VhostUser.Transport;

/// <summary>
/// One side of a connected stream UNIX socket speaking vhost-user framing: a message is a 12-byte
/// header plus <c>size</c> payload bytes, with up to 8 fds as SCM_RIGHTS ancillary data.
/// <para>
/// Receiving is single-reader and buffered: one recvmsg takes whatever the socket holds (up to the
/// buffer), so a message costs one system call and several queued messages (a burst of pipelined
/// IOTLB messages) cost one between them. The payload span returned by <see cref="TryReceive"/>
/// points into a buffer owned by this endpoint and is valid until the next receive. The size in the
/// header is checked against <see cref="MaxPayloadSize"/> as soon as the header is in; the buffer
/// holds one largest message plus <see cref="ReadAhead"/> bytes, so an oversized claim costs nothing.
/// </para>
/// <para>
/// Fds: the kernel ends a read right after the segment that carried fds, so fds that come with a read
/// belong to the message holding that read's last byte: the message they were sent with, for a sender
/// that sends a message's fds with it (QEMU, DPDK, <see cref="Send"/>); or, read byte by byte, the
/// message being read when they arrive.
/// </para>
/// <para>Sending is thread-safe: each message goes out whole under a lock, so replies written from
/// several threads never interleave. With <see cref="CoalesceReplies"/>, the replies the reading thread
/// writes while further IOTLB messages are already queued in the receive buffer are collected and go
/// out in one write with the reply to the last of them (a pipelined burst costs one send, as it cost
/// one receive); anything else (another thread's send, fds, a reply that does not fit) writes what was
/// collected first, so the order of replies never changes. A front-end that waits for each reply
/// before it sends the next message (QEMU) never has a message queued behind the one being answered,
/// so for it every reply goes out at once.</para>
/// </summary>
public sealed unsafe class VhostUserEndpoint : IDisposable
{
    /// <summary>Replies collected at most before they are written (a 32-deep burst of u64 acks is 640 bytes).</summary>
    private const int ReplyBatchBytes = 4096;

    /// <summary>Bytes a read may take beyond the largest message: room for a burst of queued small messages (a 32-deep IOTLB burst is 1,408 bytes).</summary>
    public const int ReadAhead = 4096;

    private static readonly int ControlBytes = LibC.CmsgSpace(VhostUserLimits.MaxFds * sizeof(int));

    /// <summary>Fds held for messages not returned yet: the current message's (at most 8) and one later message's (at most 8).</summary>
    private const int MaxPendingFds = 2 * VhostUserLimits.MaxFds;

    private readonly OwnedFd _socket;
    private readonly int _maxPayloadSize;
    private readonly byte[] _buffer;
    private readonly Lock _sendLock = new();
    private readonly int[] _pendingFds = new int[MaxPendingFds];
    private readonly long[] _pendingFdEnds = new long[MaxPendingFds];
    private int _pendingFdCount;
    private readonly byte[] _replies = new byte[ReplyBatchBytes];
    private int _repliesLength;

    /// <summary>The reading thread's id while the message it is handling has an IOTLB message queued behind it; else 0.</summary>
    private int _coalescingThread;
    private int _start;
    private int _end;

    /// <summary>Stream offset of _buffer[0]: every byte's position in the stream is this plus its index.</summary>
    private long _bufferOffset;

    /// <summary>Takes ownership of a connected stream socket.</summary>
    public VhostUserEndpoint(OwnedFd socket, int maxPayloadSize = VhostUserLimits.DefaultMaxPayloadSize)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadSize);
        _socket = socket;
        _maxPayloadSize = maxPayloadSize;
        _buffer = new byte[VhostUserHeader.Length + maxPayloadSize + ReadAhead];
    }

    public int MaxPayloadSize => _maxPayloadSize;

    /// <summary>The socket, for polling. Still owned by the endpoint; see <see cref="HasBufferedBytes"/>.</summary>
    public SafeHandle Socket => _socket;

    /// <summary>
    /// Whether bytes of a next message were already read from the socket: a caller that polls
    /// <see cref="Socket"/> before receiving must receive without waiting when this is true.
    /// </summary>
    public bool HasBufferedBytes => _end > _start;

    /// <summary>
    /// Collect the reading thread's replies while IOTLB messages are queued behind the one it handles
    /// (see the class comment). For the session's main channel only: a side that sends requests and
    /// waits for their replies on the same endpoint must not use it.
    /// </summary>
    public bool CoalesceReplies { get; set; }

    /// <summary>
    /// Reads one message. Returns false on an orderly close at a message boundary. The caller owns
    /// <paramref name="fds"/> and must dispose it. Throws <see cref="VhostUserProtocolException"/>
    /// for a truncated or oversized message or too many fds (fds already received are closed),
    /// <see cref="VhostUserTransportException"/> for socket errors and <see cref="TimeoutException"/>
    /// when a receive timeout expires (the stream is then out of step: discard the endpoint).
    /// </summary>
    public bool TryReceive(out VhostUserHeader header, out ReadOnlySpan<byte> payload, out ReceivedFds fds) =>
        TryReceive(out header, out payload, out fds, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// As <see cref="TryReceive(out VhostUserHeader, out ReadOnlySpan{byte}, out ReceivedFds)"/>, with two
    /// deadlines so a silent or trickling peer cannot hold the reader for ever: the first byte of the
    /// message must come within <paramref name="idleTimeout"/>, and once it has, the whole message
    /// (header and payload) within <paramref name="messageTimeout"/> of it: one deadline for the
    /// message, so sending a byte now and then does not extend it. Infinite disables either one.
    /// Bytes of the message that came with an earlier read count as having come now.
    /// Throws <see cref="VhostUserReceiveTimeoutException"/> when one passes.
    /// </summary>
    public bool TryReceive(out VhostUserHeader header, out ReadOnlySpan<byte> payload, out ReceivedFds fds, TimeSpan idleTimeout, TimeSpan messageTimeout)
    {
        var deadline = new ReceiveDeadline(idleTimeout, messageTimeout);
        if (_repliesLength > 0 && _coalescingThread == 0)
        {
            // The message handled last had no IOTLB message behind it: nothing more joins these replies.
            FlushReplies();
        }

        _coalescingThread = 0;
        try
        {
            if (HasBufferedBytes)
            {
                deadline.MessageStarted();
            }

            using var lease = new FdLease(_socket);
            if (!Fill(lease.Fd, VhostUserHeader.Length, cleanEofAllowed: true, ref deadline))
            {
                header = default;
                payload = default;
                fds = ReceivedFds.Empty;
                return false;
            }

            header = VhostUserHeader.Read(_buffer.AsSpan(_start, VhostUserHeader.Length));
            if (header.Size > (uint)_maxPayloadSize)
            {
                throw new VhostUserProtocolException($"payload size {header.Size} exceeds the limit of {_maxPayloadSize}", header.Request);
            }

            var length = VhostUserHeader.Length + (int)header.Size;
            Fill(lease.Fd, length, cleanEofAllowed: false, ref deadline);
            fds = ClaimFds(_bufferOffset + _start + length);
            payload = _buffer.AsSpan(_start + VhostUserHeader.Length, (int)header.Size);
            _start += length;
            if (CoalesceReplies && IotlbMessageQueued())
            {
                _coalescingThread = Environment.CurrentManagedThreadId;
            }

            return true;
        }
        catch
        {
            // The stream is out of step after any failure: nobody can claim these any more.
            ClosePendingFds();
            throw;
        }
    }

    /// <summary>
    /// Sends one message whole (header, payload, and <paramref name="fds"/> with the first byte).
    /// <paramref name="header"/>.Size must equal the payload length. The fds stay owned by the caller.
    /// </summary>
    public void Send(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> fds = default)
    {
        if (header.Size != (uint)payload.Length)
        {
            throw new ArgumentException($"header size {header.Size} does not match payload length {payload.Length}", nameof(header));
        }

        if (fds.Length > VhostUserLimits.MaxFds)
        {
            throw new ArgumentException($"at most {VhostUserLimits.MaxFds} fds per message", nameof(fds));
        }

        Span<byte> headerBytes = stackalloc byte[VhostUserHeader.Length];
        header.Write(headerBytes);
        Span<bool> added = stackalloc bool[fds.Length];
        var control = stackalloc nuint[(ControlBytes / sizeof(nuint)) + 1];
        lock (_sendLock)
        {
            using var lease = new FdLease(_socket);
            var coalescing = _coalescingThread != 0 && _coalescingThread == Environment.CurrentManagedThreadId;
            var length = VhostUserHeader.Length + payload.Length;
            if (fds.IsEmpty && (coalescing || _repliesLength > 0) && length <= _replies.Length - _repliesLength)
            {
                // Behind the replies collected so far; written with them now unless more are coming.
                headerBytes.CopyTo(_replies.AsSpan(_repliesLength));
                payload.CopyTo(_replies.AsSpan(_repliesLength + VhostUserHeader.Length));
                _repliesLength += length;
                if (!coalescing)
                {
                    FlushRepliesLocked(lease.Fd);
                }

                return;
            }

            if (_repliesLength > 0)
            {
                FlushRepliesLocked(lease.Fd);
            }

            try
            {
                var controlLength = 0;
                if (!fds.IsEmpty)
                {
                    var cmsg = (LibC.CmsgHdr*)control;
                    cmsg->Length = (nuint)LibC.CmsgLen(fds.Length * sizeof(int));
                    cmsg->Level = LibC.SOL_SOCKET;
                    cmsg->Type = LibC.SCM_RIGHTS;
                    var data = (int*)((byte*)control + LibC.CmsgDataOffset);
                    for (var i = 0; i < fds.Length; i++)
                    {
                        fds[i].DangerousAddRef(ref added[i]);
                        data[i] = (int)fds[i].DangerousGetHandle();
                    }

                    controlLength = LibC.CmsgSpace(fds.Length * sizeof(int));
                }

                SendAll(lease.Fd, headerBytes, payload, control, controlLength);
            }
            finally
            {
                for (var i = 0; i < fds.Length; i++)
                {
                    if (added[i])
                    {
                        fds[i].DangerousRelease();
                    }
                }
            }
        }
    }

    private void FlushReplies()
    {
        lock (_sendLock)
        {
            using var lease = new FdLease(_socket);
            FlushRepliesLocked(lease.Fd);
        }
    }

    private void FlushRepliesLocked(int fd)
    {
        var length = _repliesLength;
        _repliesLength = 0; // written or, if the write fails, lost with the connection
        if (length > 0)
        {
            SendAll(fd, _replies.AsSpan(0, length), ReadOnlySpan<byte>.Empty, null, 0);
        }
    }

    /// <summary>Whether a whole IOTLB message is already in the buffer behind the one just returned.</summary>
    private bool IotlbMessageQueued()
    {
        var available = _end - _start;
        if (available < VhostUserHeader.Length)
        {
            return false;
        }

        var next = VhostUserHeader.Read(_buffer.AsSpan(_start, VhostUserHeader.Length));
        return next.Request == (uint)VhostUserRequest.IotlbMsg && next.Size <= (uint)(available - VhostUserHeader.Length);
    }

    /// <summary>Makes a blocked receive fail with <see cref="TimeoutException"/> after <paramref name="timeout"/> (infinite to disable).</summary>
    public void SetReceiveTimeout(TimeSpan timeout) => SetTimeout(LibC.SO_RCVTIMEO, timeout);

    /// <summary>
    /// Makes a send that cannot make progress (the peer stopped reading and the buffer is full) fail
    /// with <see cref="TimeoutException"/> after <paramref name="timeout"/>; the stream may then hold
    /// part of a message, so discard the endpoint.
    /// </summary>
    public void SetSendTimeout(TimeSpan timeout) => SetTimeout(LibC.SO_SNDTIMEO, timeout);

    private void SetTimeout(int option, TimeSpan timeout)
    {
        var value = timeout == Timeout.InfiniteTimeSpan
            ? default
            : new LibC.TimeVal { Seconds = (nint)(timeout.Ticks / TimeSpan.TicksPerSecond), Microseconds = (nint)(timeout.Ticks % TimeSpan.TicksPerSecond / 10) };
        using var lease = new FdLease(_socket);
        if (LibC.setsockopt(lease.Fd, LibC.SOL_SOCKET, option, &value, (uint)sizeof(LibC.TimeVal)) != 0)
        {
            throw VhostUserTransportException.FromLastError($"setsockopt({option})");
        }
    }

    /// <summary>Shuts the socket down both ways: a receive blocked on another thread returns end-of-stream.</summary>
    public void Shutdown()
    {
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            LibC.shutdown((int)_socket.DangerousGetHandle(), LibC.SHUT_RDWR);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _socket.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        ClosePendingFds();
    }

    private static void SendAll(int fd, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, nuint* control, int controlLength)
    {
        var total = header.Length + payload.Length;
        var sent = 0;
        fixed (byte* h = header)
        fixed (byte* p = payload)
        {
            var iov = stackalloc LibC.IoVec[2];
            while (sent < total)
            {
                var count = 0;
                if (sent < header.Length)
                {
                    iov[count++] = new LibC.IoVec { Base = h + sent, Length = (nuint)(header.Length - sent) };
                }

                var payloadSent = Math.Max(0, sent - header.Length);
                if (payload.Length > payloadSent)
                {
                    iov[count++] = new LibC.IoVec { Base = p + payloadSent, Length = (nuint)(payload.Length - payloadSent) };
                }

                // The fds travel with the first byte; once anything went out they went with it.
                var msg = new LibC.MsgHdr
                {
                    Iov = iov,
                    IovLength = (nuint)count,
                    Control = sent == 0 && controlLength > 0 ? control : null,
                    ControlLength = sent == 0 ? (nuint)controlLength : 0,
                };
                var n = LibC.sendmsg(fd, &msg, LibC.MSG_NOSIGNAL);
                if (n < 0)
                {
                    var errno = LibC.LastError;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (errno == LibC.EAGAIN)
                    {
                        throw new TimeoutException($"vhost-user send timed out after {sent} of {total} bytes");
                    }

                    throw new VhostUserTransportException("sendmsg", errno);
                }

                sent += (int)n;
            }
        }
    }

    /// <summary>
    /// Reads until the buffer holds <paramref name="wanted"/> bytes from <c>_start</c>; false only for
    /// EOF before the first byte when that is allowed. Each read takes whatever the socket has.
    /// </summary>
    private bool Fill(int fd, int wanted, bool cleanEofAllowed, ref ReceiveDeadline deadline)
    {
        if (_end - _start >= wanted)
        {
            return true;
        }

        if (_start == _end || _start + wanted > _buffer.Length)
        {
            // Move the partial message to the front, so that it fits whole with read-ahead room behind it.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }

        if (_repliesLength > 0)
        {
            // About to wait for the front-end: what it is waiting for goes out first.
            FlushReplies();
        }

        while (_end - _start < wanted)
        {
            // Under a deadline, try without blocking first: the bytes are usually there already, and
            // the hot path (IOTLB messages) should not pay a poll per read.
            var n = ReceiveOnce(fd, _buffer.AsSpan(_end), dontWait: deadline.Applies);
            if (n < 0)
            {
                deadline.WaitReadable(fd, _end - _start, wanted);
                continue;
            }

            deadline.MessageStarted();
            if (n == 0)
            {
                if (cleanEofAllowed && _end == _start && _pendingFdCount == 0)
                {
                    return false;
                }

                throw new VhostUserProtocolException($"peer closed the connection mid-message ({_end - _start} of {wanted} bytes)");
            }

            _end += n;
        }

        return true;
    }

    /// <summary>One recvmsg into <paramref name="buffer"/>; -1 when <paramref name="dontWait"/> and nothing is there yet. Fds are held until claimed.</summary>
    private int ReceiveOnce(int fd, Span<byte> buffer, bool dontWait)
    {
        var control = stackalloc nuint[(ControlBytes / sizeof(nuint)) + 1];
        Span<int> received = stackalloc int[VhostUserLimits.MaxFds];
        fixed (byte* p = buffer)
        {
            var iov = new LibC.IoVec { Base = p, Length = (nuint)buffer.Length };
            while (true)
            {
                var msg = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)ControlBytes };
                var n = LibC.recvmsg(fd, &msg, LibC.MSG_CMSG_CLOEXEC | (dontWait ? LibC.MSG_DONTWAIT : 0));
                if (n < 0)
                {
                    var errno = LibC.LastError;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (errno == LibC.EAGAIN && dontWait)
                    {
                        return -1;
                    }

                    if (errno == LibC.EAGAIN)
                    {
                        throw new TimeoutException("vhost-user receive timed out");
                    }

                    throw new VhostUserTransportException("recvmsg", errno);
                }

                var count = 0;
                var overflow = CollectFds(&msg, received, ref count);
                // The fds belong to the message that holds this read's last byte (see the class comment).
                var owner = _bufferOffset + _end + Math.Max(0, n - 1);
                for (var i = 0; i < count; i++)
                {
                    if (_pendingFdCount < MaxPendingFds)
                    {
                        _pendingFdEnds[_pendingFdCount] = owner;
                        _pendingFds[_pendingFdCount++] = received[i];
                    }
                    else
                    {
                        LibC.close(received[i]);
                        overflow = true;
                    }
                }

                if ((msg.Flags & LibC.MSG_CTRUNC) != 0 || overflow)
                {
                    throw new VhostUserProtocolException($"more than {VhostUserLimits.MaxFds} fds sent with one message");
                }

                return (int)n;
            }
        }
    }

    /// <summary>The held fds that came with bytes before stream offset <paramref name="messageEnd"/>: the message's own.</summary>
    private ReceivedFds ClaimFds(long messageEnd)
    {
        if (_pendingFdCount == 0)
        {
            return ReceivedFds.Empty;
        }

        Span<int> mine = stackalloc int[MaxPendingFds];
        int count = 0, kept = 0;
        for (var i = 0; i < _pendingFdCount; i++)
        {
            if (_pendingFdEnds[i] < messageEnd)
            {
                mine[count++] = _pendingFds[i];
            }
            else
            {
                _pendingFdEnds[kept] = _pendingFdEnds[i];
                _pendingFds[kept++] = _pendingFds[i];
            }
        }

        _pendingFdCount = kept;
        if (count > VhostUserLimits.MaxFds)
        {
            CloseAll(mine[..count]);
            throw new VhostUserProtocolException($"more than {VhostUserLimits.MaxFds} fds sent with one message");
        }

        return ReceivedFds.Create(mine[..count]);
    }

    private void ClosePendingFds()
    {
        CloseAll(_pendingFds.AsSpan(0, _pendingFdCount));
        _pendingFdCount = 0;
    }

    /// <summary>Moves SCM_RIGHTS fds into the buffer; fds beyond its capacity are closed at once.</summary>
    private static bool CollectFds(LibC.MsgHdr* msg, Span<int> fdBuffer, ref int fdCount)
    {
        var overflow = false;
        var headerSize = LibC.CmsgDataOffset;
        var offset = 0;
        var controlLength = (int)msg->ControlLength;
        while (offset + headerSize <= controlLength)
        {
            var cmsg = (LibC.CmsgHdr*)((byte*)msg->Control + offset);
            var length = (int)cmsg->Length;
            if (length < headerSize || offset + length > controlLength)
            {
                break;
            }

            if (cmsg->Level == LibC.SOL_SOCKET && cmsg->Type == LibC.SCM_RIGHTS)
            {
                var data = (int*)((byte*)cmsg + headerSize);
                var count = (length - headerSize) / sizeof(int);
                for (var i = 0; i < count; i++)
                {
                    if (fdCount < fdBuffer.Length)
                    {
                        fdBuffer[fdCount++] = data[i];
                    }
                    else
                    {
                        LibC.close(data[i]);
                        overflow = true;
                    }
                }
            }

            offset += LibC.CmsgAlign(length);
        }

        return overflow;
    }

    /// <summary>The two receive deadlines of one message, in Environment.TickCount64 milliseconds.</summary>
    private struct ReceiveDeadline(TimeSpan idleTimeout, TimeSpan messageTimeout)
    {
        private readonly long _idleDeadline = Deadline(idleTimeout);
        private long _messageDeadline = long.MaxValue;
        private bool _started;

        /// <summary>Whether the read about to be made has a deadline (else it may block as long as it takes).</summary>
        public readonly bool Applies => (_started ? _messageDeadline : _idleDeadline) != long.MaxValue;

        public void MessageStarted()
        {
            if (!_started)
            {
                _started = true;
                _messageDeadline = Deadline(messageTimeout);
            }
        }

        /// <summary>Waits until the socket is readable (or closed) before the deadline that applies, or throws.</summary>
        public readonly void WaitReadable(int fd, int received, int wanted)
        {
            var deadline = _started ? _messageDeadline : _idleDeadline;
            if (deadline == long.MaxValue)
            {
                return;
            }

            var poll = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
            while (true)
            {
                var remaining = Math.Max(0, deadline - Environment.TickCount64);
                var rc = LibC.poll(&poll, 1, (int)Math.Min(remaining, int.MaxValue));
                if (rc > 0)
                {
                    return;
                }

                if (rc < 0 && LibC.LastError != LibC.EINTR)
                {
                    throw VhostUserTransportException.FromLastError("poll");
                }

                if (rc == 0)
                {
                    throw _started
                        ? new VhostUserReceiveTimeoutException($"front-end stopped mid-message: {received} of {wanted} bytes came, then nothing for {messageTimeout.TotalSeconds:0.###} s", midMessage: true)
                        : new VhostUserReceiveTimeoutException($"front-end sent no message for {idleTimeout.TotalSeconds:0.###} s", midMessage: false);
                }
            }
        }

        private static long Deadline(TimeSpan timeout) =>
            timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds);
    }

    private static void CloseAll(ReadOnlySpan<int> fds)
    {
        foreach (var fd in fds)
        {
            LibC.close(fd);
        }
    }
}
