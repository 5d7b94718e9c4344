using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// The checks and reply plumbing every handler shares. Size and fd-count violations are protocol
/// errors (the framing is suspect); index and feature violations are device refusals (the request
/// was well-formed but cannot be honoured).
/// </summary>
public sealed partial class VhostUserSession
{
    /// <summary>Runs a back-end call and acks it; refusals become failure replies, never faults.</summary>
    private void Execute<TState>(in VhostUserHeader header, TState state, Action<VhostUserSession, TState> action)
    {
        ulong status = 0;
        try
        {
            action(this, state);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            status = ReportFailure(header, e);
        }

        Acknowledge(header, status);
    }

    /// <summary>Answers a request whose reply is a u64; a failure is an empty reply.</summary>
    private void ReplyU64(in VhostUserHeader header, Func<VhostUserSession, ulong> getter)
    {
        ulong value;
        try
        {
            value = getter(this);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            ReportFailure(header, e);
            SendFailedExplicitReply(header.Request);
            return;
        }

        SendU64Reply(header.Request, value);
    }

    private ulong ReportFailure(in VhostUserHeader header, Exception e)
    {
        if (e is VhostUserDeviceException device)
        {
            Log.RequestRefused(_logger, (VhostUserRequest)header.Request, device.Message);
            return device.Status;
        }

        Log.BackendFailed(_logger, (VhostUserRequest)header.Request, e);
        return 1;
    }

    /// <summary>Disposes <paramref name="fd"/> if <paramref name="action"/> throws (the ownership rule of the back-end interface).</summary>
    private void Owning(OwnedFd fd, Action action)
    {
        try
        {
            action();
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private void CheckVring(uint index)
    {
        var max = _backend.MaxQueues;
        if (index >= (uint)Math.Max(0, max))
        {
            throw new VhostUserDeviceException($"vring index {index} is out of range (the device has {max} queues)");
        }
    }

    private void RequireProtocolFeature(VhostUserProtocolFeatures feature, VhostUserRequest request)
    {
        if ((AckedProtocolFeatures & feature) == 0)
        {
            throw new VhostUserDeviceException($"{request} needs protocol feature {feature}, which was not negotiated");
        }
    }

    private void RequireProtocolFeaturesBit()
    {
        if ((_backend.DeviceFeatures & VirtioFeatures.ProtocolFeatures) == 0)
        {
            throw new VhostUserDeviceException("the device does not offer VHOST_USER_F_PROTOCOL_FEATURES");
        }
    }

    private static void ExpectEmpty(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectSize(header, payload, 0);
        ExpectFds(header, fds, 0);
    }

    private static void ExpectSize(in VhostUserHeader header, ReadOnlySpan<byte> payload, int size)
    {
        if (payload.Length != size)
        {
            throw new VhostUserProtocolException($"payload must be {size} bytes, got {payload.Length}", header.Request);
        }
    }

    private static void ExpectFds(in VhostUserHeader header, ReceivedFds fds, int count)
    {
        if (fds.Count != count)
        {
            throw new VhostUserProtocolException($"expected {count} fds, got {fds.Count}", header.Request);
        }
    }

    private static void DisposeAll(IEnumerable<OwnedFd> fds)
    {
        foreach (var fd in fds)
        {
            fd.Dispose();
        }
    }
}
