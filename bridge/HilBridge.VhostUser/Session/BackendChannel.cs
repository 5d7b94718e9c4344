using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// The back-end to front-end channel from SET_BACKEND_REQ_FD. Thread-safe; every send returns false
/// instead of throwing once the channel is closed or broken, because the callers are queue workers
/// that must degrade (e.g. fail the I/O) rather than die when QEMU goes away.
/// Messages are sent without NEED_REPLY: QEMU answers a miss with an IOTLB UPDATE on the main channel.
/// </summary>
public sealed class BackendChannel : IDisposable
{
    /// <summary>
    /// How long a send may wait for a front-end that stopped reading: the sender is the device's queue
    /// thread, and a thread blocked for ever in sendmsg would keep the device from ever stopping.
    /// </summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);

    private readonly VhostUserEndpoint _endpoint;
    private int _state; // 0 open, 1 broken or disposed

    /// <summary>Takes ownership of the connected socket QEMU sent.</summary>
    public BackendChannel(OwnedFd socket)
    {
        _endpoint = new VhostUserEndpoint(socket, maxPayloadSize: 0);
        try
        {
            _endpoint.SetSendTimeout(SendTimeout);
        }
        catch (VhostUserTransportException)
        {
            // Not a socket (a hostile front-end sent some other fd): every send will fail and report it.
        }
    }

    public bool IsOpen => Volatile.Read(ref _state) == 0;

    /// <summary>VHOST_USER_BACKEND_IOTLB_MSG type MISS for <paramref name="iova"/> needing <paramref name="permission"/>.</summary>
    public bool SendIotlbMiss(ulong iova, IotlbPermission permission) =>
        SendIotlb(IotlbMessage.Miss(iova, permission));

    /// <summary>VHOST_USER_BACKEND_IOTLB_MSG type ACCESS_FAIL (QEMU 7.2 only logs it).</summary>
    public bool SendIotlbAccessFail(ulong iova, IotlbPermission permission) =>
        SendIotlb(new IotlbMessage(iova, 0, 0, permission, IotlbMessageType.AccessFail));

    /// <summary>VHOST_USER_BACKEND_CONFIG_CHANGE_MSG: QEMU re-reads config space with GET_CONFIG.</summary>
    public bool SendConfigChange() =>
        Send(new VhostUserHeader((uint)VhostUserBackendRequest.ConfigChangeMsg, VhostUserHeaderFlags.Version1, 0), ReadOnlySpan<byte>.Empty);

    public void Dispose()
    {
        Volatile.Write(ref _state, 1);
        _endpoint.Shutdown();
        _endpoint.Dispose();
    }

    private bool SendIotlb(in IotlbMessage message)
    {
        Span<byte> payload = stackalloc byte[IotlbMessage.Length];
        message.Write(payload);
        return Send(new VhostUserHeader((uint)VhostUserBackendRequest.IotlbMsg, VhostUserHeaderFlags.Version1, IotlbMessage.Length), payload);
    }

    private bool Send(in VhostUserHeader header, ReadOnlySpan<byte> payload)
    {
        if (!IsOpen)
        {
            return false;
        }

        try
        {
            _endpoint.Send(header, payload, ReadOnlySpan<SafeHandle>.Empty);
            return true;
        }
        catch (Exception e) when (e is VhostUserTransportException or ObjectDisposedException or TimeoutException)
        {
            // A timed-out send may have left half a message in the stream: the channel is done either way.
            Volatile.Write(ref _state, 1);
            return false;
        }
    }
}
