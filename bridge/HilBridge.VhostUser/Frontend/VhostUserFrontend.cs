using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Frontend;

/// <summary>
/// Plays QEMU's part of the protocol, for tests and benchmarks: sends requests the way QEMU 7.2
/// does and reads the replies in order. Not thread-safe for receiving (one caller at a time), like
/// QEMU's own vhost-user client. IOTLB send/receive is allocation-free.
/// <para>
/// Setters take <c>needReply</c>: when true the NEED_REPLY flag is set and the method waits for the
/// u64 ack and returns it (0 = success); otherwise they return 0 without waiting. Explicit replies
/// that come back empty (the back-end's failure form) throw <see cref="VhostUserDeviceException"/>.
/// </para>
/// </summary>
public sealed class VhostUserFrontend : IDisposable
{
    private readonly VhostUserEndpoint _endpoint;
    private VhostUserEndpoint? _backendChannel;

    /// <summary>Takes ownership of a connected endpoint.</summary>
    public VhostUserFrontend(VhostUserEndpoint endpoint)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
    }

    /// <summary>Connects to a back-end listening at <paramref name="socketPath"/>.</summary>
    public static VhostUserFrontend Connect(string socketPath) => new(new VhostUserEndpoint(UnixSocket.Connect(socketPath)));

    /// <summary>The endpoint to the back-end (e.g. to send hand-made messages).</summary>
    public VhostUserEndpoint Endpoint => _endpoint;

    /// <summary>How long to wait for a reply before <see cref="TimeoutException"/> (after which the connection is unusable).</summary>
    public TimeSpan ReplyTimeout
    {
        set => _endpoint.SetReceiveTimeout(value);
    }

    public ulong GetFeatures() => GetU64(VhostUserRequest.GetFeatures);

    public ulong SetFeatures(ulong features, bool needReply = false) => SetU64(VhostUserRequest.SetFeatures, features, needReply);

    public VhostUserProtocolFeatures GetProtocolFeatures() => (VhostUserProtocolFeatures)GetU64(VhostUserRequest.GetProtocolFeatures);

    public ulong SetProtocolFeatures(VhostUserProtocolFeatures features, bool needReply = false) =>
        SetU64(VhostUserRequest.SetProtocolFeatures, (ulong)features, needReply);

    public ulong GetQueueNum() => GetU64(VhostUserRequest.GetQueueNum);

    public ulong GetMaxMemSlots() => GetU64(VhostUserRequest.GetMaxMemSlots);

    public ulong SetOwner(bool needReply = false) => SendAndMaybeAck(VhostUserRequest.SetOwner, ReadOnlySpan<byte>.Empty, default, needReply);

    public ulong ResetOwner(bool needReply = false) => SendAndMaybeAck(VhostUserRequest.ResetOwner, ReadOnlySpan<byte>.Empty, default, needReply);

    /// <summary>
    /// Creates the back-end request channel the way QEMU does (a socketpair, one end sent), keeping
    /// the other end to read what the back-end sends (<see cref="TryReceiveBackendMessage"/>).
    /// </summary>
    public ulong SetBackendReqFd(bool needReply = false)
    {
        var (ours, theirs) = UnixSocket.CreatePair();
        using (theirs)
        {
            _backendChannel?.Dispose();
            _backendChannel = new VhostUserEndpoint(ours);
            return SendAndMaybeAck(VhostUserRequest.SetBackendReqFd, ReadOnlySpan<byte>.Empty, [theirs], needReply);
        }
    }

    /// <summary>SET_MEM_TABLE with one fd per region (e.g. from <see cref="SharedMemory.CreateMemfd"/>).</summary>
    public ulong SetMemTable(ReadOnlySpan<MemoryRegionDescription> regions, ReadOnlySpan<SafeHandle> fds, bool needReply = false)
    {
        Span<byte> payload = stackalloc byte[MemoryTableMessage.LengthFor(VhostUserLimits.MaxMemoryRegions)];
        var length = MemoryTableMessage.Write(regions, payload);
        return SendAndMaybeAck(VhostUserRequest.SetMemTable, payload[..length], fds, needReply);
    }

    public ulong SetVringNum(uint index, uint num, bool needReply = false) => SetState(VhostUserRequest.SetVringNum, new VringState(index, num), needReply);

    public ulong SetVringBase(uint index, uint num, bool needReply = false) => SetState(VhostUserRequest.SetVringBase, new VringState(index, num), needReply);

    public ulong SetVringEnable(uint index, bool enable, bool needReply = false) =>
        SetState(VhostUserRequest.SetVringEnable, new VringState(index, enable ? 1u : 0u), needReply);

    public ulong SetVringAddr(in VringAddress address, bool needReply = false)
    {
        Span<byte> payload = stackalloc byte[VringAddress.Length];
        address.Write(payload);
        return SendAndMaybeAck(VhostUserRequest.SetVringAddr, payload, default, needReply);
    }

    /// <summary>GET_VRING_BASE: stops the ring and returns its next available index.</summary>
    public uint GetVringBase(uint index)
    {
        Span<byte> payload = stackalloc byte[VringState.Length];
        new VringState(index, 0).Write(payload);
        Send(VhostUserRequest.GetVringBase, payload, default, needReply: false);
        var reply = ReceiveReply(VhostUserRequest.GetVringBase);
        return reply.IsEmpty ? throw Refused(VhostUserRequest.GetVringBase) : VringState.Read(reply).Num;
    }

    /// <summary>SET_VRING_KICK with <paramref name="fd"/>, or the NOFD bit when it is null.</summary>
    public ulong SetVringKick(uint index, SafeHandle? fd, bool needReply = false) => SetVringFile(VhostUserRequest.SetVringKick, index, fd, needReply);

    public ulong SetVringCall(uint index, SafeHandle? fd, bool needReply = false) => SetVringFile(VhostUserRequest.SetVringCall, index, fd, needReply);

    public ulong SetVringErr(uint index, SafeHandle? fd, bool needReply = false) => SetVringFile(VhostUserRequest.SetVringErr, index, fd, needReply);

    /// <summary>IOTLB_MSG UPDATE with NEED_REPLY, as QEMU sends it; returns the back-end's status.</summary>
    public ulong IotlbUpdate(ulong iova, ulong size, ulong userAddress, IotlbPermission permission)
    {
        SendIotlb(IotlbMessage.Update(iova, size, userAddress, permission));
        return ReceiveAck(VhostUserRequest.IotlbMsg);
    }

    /// <summary>IOTLB_MSG INVALIDATE with NEED_REPLY; returns the back-end's status once it completed the invalidation.</summary>
    public ulong IotlbInvalidate(ulong iova, ulong size)
    {
        SendIotlb(IotlbMessage.Invalidate(iova, size));
        return ReceiveAck(VhostUserRequest.IotlbMsg);
    }

    /// <summary>Sends an IOTLB message without waiting (pair with <see cref="ReceiveAck"/>).</summary>
    public void SendIotlb(in IotlbMessage message, bool needReply = true)
    {
        Span<byte> payload = stackalloc byte[IotlbMessage.Length];
        message.Write(payload);
        Send(VhostUserRequest.IotlbMsg, payload, default, needReply);
    }

    /// <summary>GET_CONFIG for destination.Length bytes at <paramref name="offset"/>; false if the back-end refused (empty reply).</summary>
    public bool TryGetConfig(uint offset, Span<byte> destination)
    {
        if (destination.Length > VhostUserLimits.MaxConfigSize)
        {
            throw new ArgumentException($"at most {VhostUserLimits.MaxConfigSize} bytes", nameof(destination));
        }

        var header = new ConfigHeader(offset, (uint)destination.Length, ConfigFlags.Writable);
        Span<byte> payload = stackalloc byte[header.PayloadLength];
        payload.Clear();
        header.WriteHeader(payload);
        Send(VhostUserRequest.GetConfig, payload, default, needReply: false);
        var reply = ReceiveReply(VhostUserRequest.GetConfig);
        if (reply.IsEmpty)
        {
            return false;
        }

        if (reply.Length != header.PayloadLength)
        {
            throw new VhostUserProtocolException($"config reply of {reply.Length} bytes, {header.PayloadLength} expected", (uint)VhostUserRequest.GetConfig);
        }

        reply[ConfigHeader.Length..].CopyTo(destination);
        return true;
    }

    public ulong SetConfig(uint offset, ReadOnlySpan<byte> data, ConfigFlags flags = ConfigFlags.Writable, bool needReply = false)
    {
        var header = new ConfigHeader(offset, (uint)data.Length, flags);
        Span<byte> payload = stackalloc byte[ConfigHeader.Length + VhostUserLimits.MaxConfigSize];
        var length = header.Write(data, payload);
        return SendAndMaybeAck(VhostUserRequest.SetConfig, payload[..length], default, needReply);
    }

    /// <summary>
    /// GET_INFLIGHT_FD as QEMU sends it at device start: the back-end allocates the inflight area for
    /// <paramref name="numQueues"/> queues of <paramref name="queueSize"/> and returns it with its fd
    /// (null when the area is empty). The caller owns the fd.
    /// </summary>
    public (InflightDescription Description, OwnedFd? Fd) GetInflightFd(ushort numQueues, ushort queueSize)
    {
        Span<byte> payload = stackalloc byte[InflightDescription.Length];
        new InflightDescription(0, 0, numQueues, queueSize).Write(payload);
        Send(VhostUserRequest.GetInflightFd, payload, default, needReply: false);
        if (!_endpoint.TryReceive(out var header, out var reply, out var fds))
        {
            throw new VhostUserTransportException("back-end closed the connection while GET_INFLIGHT_FD waited for its reply");
        }

        using (fds)
        {
            header.ValidateAsReplyTo((uint)VhostUserRequest.GetInflightFd);
            if (reply.IsEmpty)
            {
                throw Refused(VhostUserRequest.GetInflightFd);
            }

            var description = InflightDescription.Read(reply);
            return (description, fds.Count > 0 ? fds.Take(0) : null);
        }
    }

    /// <summary>SET_INFLIGHT_FD: hands the (possibly previous back-end's) inflight area to the back-end.</summary>
    public ulong SetInflightFd(in InflightDescription description, SafeHandle fd, bool needReply = false)
    {
        Span<byte> payload = stackalloc byte[InflightDescription.Length];
        description.Write(payload);
        return SendAndMaybeAck(VhostUserRequest.SetInflightFd, payload, [fd], needReply);
    }

    /// <summary>Sends any request as given (raw flags included), e.g. unknown or malformed ones in tests.</summary>
    public void SendRaw(uint request, VhostUserHeaderFlags flags, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> fds = default) =>
        _endpoint.Send(new VhostUserHeader(request, flags, (uint)payload.Length), payload, fds);

    /// <summary>Reads the next reply, which must answer <paramref name="request"/> with a u64; returns it.</summary>
    public ulong ReceiveAck(VhostUserRequest request)
    {
        var reply = ReceiveReply(request);
        return reply.IsEmpty ? throw Refused(request) : U64Payload.Read(reply);
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for a message on the back-end request
    /// channel. For IOTLB messages <paramref name="iotlb"/> is decoded. A NEED_REPLY request is acked with 0.
    /// </summary>
    public bool TryReceiveBackendMessage(int timeoutMilliseconds, out VhostUserHeader header, out IotlbMessage iotlb)
    {
        var channel = _backendChannel ?? throw new InvalidOperationException("SetBackendReqFd was not called");
        header = default;
        iotlb = default;
        Span<bool> ready = stackalloc bool[1];
        // A message already read ahead is not in the socket any more: polling would not see it.
        if (!channel.HasBufferedBytes && FdPoll.WaitReadable([channel.Socket], ready, timeoutMilliseconds) == 0)
        {
            return false;
        }

        if (!channel.TryReceive(out header, out var payload, out var fds))
        {
            return false;
        }

        fds.Dispose();
        if (header.Request == (uint)VhostUserBackendRequest.IotlbMsg)
        {
            iotlb = IotlbMessage.Read(payload);
        }

        if (header.NeedsReply)
        {
            Span<byte> ack = stackalloc byte[U64Payload.Length];
            U64Payload.Write(0, ack);
            channel.Send(VhostUserHeader.ForReply(header.Request, ack.Length), ack);
        }

        return true;
    }

    public void Dispose()
    {
        _backendChannel?.Dispose();
        _endpoint.Dispose();
    }

    private ulong SetU64(VhostUserRequest request, ulong value, bool needReply)
    {
        Span<byte> payload = stackalloc byte[U64Payload.Length];
        U64Payload.Write(value, payload);
        return SendAndMaybeAck(request, payload, default, needReply);
    }

    private ulong GetU64(VhostUserRequest request)
    {
        Send(request, ReadOnlySpan<byte>.Empty, default, needReply: false);
        var reply = ReceiveReply(request);
        return reply.IsEmpty ? throw Refused(request) : U64Payload.Read(reply);
    }

    private ulong SetState(VhostUserRequest request, VringState state, bool needReply)
    {
        Span<byte> payload = stackalloc byte[VringState.Length];
        state.Write(payload);
        return SendAndMaybeAck(request, payload, default, needReply);
    }

    private ulong SetVringFile(VhostUserRequest request, uint index, SafeHandle? fd, bool needReply)
    {
        Span<byte> payload = stackalloc byte[U64Payload.Length];
        new VringFileIndex(index, NoFd: fd is null).Write(payload);
        return fd is null
            ? SendAndMaybeAck(request, payload, default, needReply)
            : SendAndMaybeAck(request, payload, [fd], needReply);
    }

    private ulong SendAndMaybeAck(VhostUserRequest request, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> fds, bool needReply)
    {
        Send(request, payload, fds, needReply);
        return needReply ? ReceiveAck(request) : 0;
    }

    private void Send(VhostUserRequest request, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> fds, bool needReply) =>
        _endpoint.Send(VhostUserHeader.ForRequest(request, payload.Length, needReply), payload, fds);

    private ReadOnlySpan<byte> ReceiveReply(VhostUserRequest request)
    {
        if (!_endpoint.TryReceive(out var header, out var payload, out var fds))
        {
            throw new VhostUserTransportException($"back-end closed the connection while {request} waited for its reply");
        }

        fds.Dispose();
        header.ValidateAsReplyTo((uint)request);
        return payload;
    }

    private static VhostUserDeviceException Refused(VhostUserRequest request) => new($"the back-end refused {request} (empty reply)");
}
