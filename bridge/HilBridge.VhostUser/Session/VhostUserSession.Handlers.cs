using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Session;

/// <summary>Handlers for the requests that need more than decode-check-call: explicit replies, fds, optional features.</summary>
public sealed partial class VhostUserSession
{
    private void HandleSetMemTable(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        Span<MemoryRegionDescription> regions = stackalloc MemoryRegionDescription[VhostUserLimits.MaxMemoryRegions];
        var count = MemoryTableMessage.Read(payload, regions);
        ExpectFds(header, fds, count);
        var owned = new OwnedFd[count];
        for (var i = 0; i < count; i++)
        {
            owned[i] = fds.Take(i);
        }

        Execute(header, (regions[..count].ToArray(), owned), static (s, st) =>
        {
            try
            {
                s._backend.SetMemoryTable(st.Item1, st.Item2);
            }
            catch
            {
                DisposeAll(st.Item2);
                throw;
            }
        });
    }

    private void HandleSetLogBase(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        var log = LogDescription.Read(payload);
        if (fds.Count > 1)
        {
            ExpectFds(header, fds, 1);
        }

        var fd = fds.Count == 1 ? fds.Take(0) : null;
        ulong status = 0;
        try
        {
            _backend.SetLogBase(log, fd);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            fd?.Dispose();
            status = ReportFailure(header, e);
        }

        // With LOG_SHMFD this request has an explicit reply that QEMU always reads.
        if ((AckedProtocolFeatures & VhostUserProtocolFeatures.LogShmfd) != 0)
        {
            SendU64Reply(header.Request, status);
        }
        else
        {
            Acknowledge(header, status);
        }
    }

    private void HandleGetVringBase(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectFds(header, fds, 0);
        var state = VringState.Read(payload);
        uint num;
        try
        {
            CheckVring(state.Index);
            num = _backend.GetVringBase(state.Index);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            ReportFailure(header, e);
            SendFailedExplicitReply(header.Request);
            return;
        }

        Span<byte> reply = stackalloc byte[VringState.Length];
        new VringState(state.Index, num).Write(reply);
        SendReply(header.Request, reply);
    }

    private void HandleVringFile(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        var file = VringFileIndex.Read(payload);
        ExpectFds(header, fds, file.NoFd ? 0 : 1);
        var fd = file.NoFd ? null : fds.Take(0);
        Execute(header, ((VhostUserRequest)header.Request, file.Index, fd), static (s, st) =>
        {
            try
            {
                s.CheckVring(st.Index);
                switch (st.Item1)
                {
                    case VhostUserRequest.SetVringKick:
                        s._backend.SetVringKick(st.Index, st.fd);
                        break;
                    case VhostUserRequest.SetVringCall:
                        s._backend.SetVringCall(st.Index, st.fd);
                        break;
                    default:
                        s._backend.SetVringErr(st.Index, st.fd);
                        break;
                }
            }
            catch
            {
                st.fd?.Dispose();
                throw;
            }
        });
    }

    private void HandleIotlb(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectFds(header, fds, 0);
        var message = IotlbMessage.Read(payload);
        try
        {
            if (message.Type is not (IotlbMessageType.Update or IotlbMessageType.Invalidate))
            {
                throw new VhostUserDeviceException($"IOTLB message type {(byte)message.Type} is not one a front-end sends");
            }

            if ((_backend.DeviceFeatures & VirtioFeatures.AccessPlatform) == 0)
            {
                throw new VhostUserDeviceException("IOTLB message but the device does not offer VIRTIO_F_ACCESS_PLATFORM");
            }
        }
        catch (VhostUserDeviceException e)
        {
            Acknowledge(header, ReportFailure(header, e));
            return;
        }

        if ((AckedFeatures & VirtioFeatures.AccessPlatform) == 0 && !_iotlbBeforeAckLogged)
        {
            _iotlbBeforeAckLogged = true;
            Log.IotlbBeforeAccessPlatformAcked(_logger);
        }

        var reply = RentDeferredReply(header);
        try
        {
            _backend.OnIotlbMessage(message, reply);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            var status = ReportFailure(header, e);
            if (!reply.TryComplete(status))
            {
                Log.BackendThrewAfterReply(_logger, e);
            }
        }
    }

    private void HandleGetConfig(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectFds(header, fds, 0);
        var config = ConfigHeader.Read(payload, out _);
        Span<byte> reply = stackalloc byte[ConfigHeader.Length + VhostUserLimits.MaxConfigSize];
        reply = reply[..config.PayloadLength];
        reply.Clear();
        var data = reply[ConfigHeader.Length..];
        try
        {
            RequireProtocolFeature(VhostUserProtocolFeatures.Config, VhostUserRequest.GetConfig);
            var written = _backend.GetConfig(config.Offset, data);
            if (written < 0 || written > data.Length)
            {
                throw new InvalidOperationException($"GetConfig reported {written} bytes for a {data.Length}-byte request");
            }

            data[written..].Clear();
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            ReportFailure(header, e);
            SendFailedExplicitReply(header.Request);
            return;
        }

        config.WriteHeader(reply);
        SendReply(header.Request, reply);
    }

    private void HandleSetConfig(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectFds(header, fds, 0);
        var config = ConfigHeader.Read(payload, out var data);
        ulong status = 0;
        try
        {
            RequireProtocolFeature(VhostUserProtocolFeatures.Config, VhostUserRequest.SetConfig);
            _backend.SetConfig(config.Offset, data, config.Flags);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            status = ReportFailure(header, e);
        }

        Acknowledge(header, status);
    }

    private void HandleAddMemReg(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        var region = MemoryRegionMessage.Read(payload);
        ExpectFds(header, fds, 1);
        Execute(header, (region, fds.Take(0)), static (s, st) => s.Owning(st.Item2, () =>
        {
            s.RequireProtocolFeature(VhostUserProtocolFeatures.ConfigureMemSlots, VhostUserRequest.AddMemReg);
            s._backend.AddMemoryRegion(st.region, st.Item2);
        }));
    }

    private void HandleGetInflightFd(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        ExpectFds(header, fds, 0);
        var request = InflightDescription.Read(payload);
        InflightArea area;
        try
        {
            RequireProtocolFeature(VhostUserProtocolFeatures.InflightShmfd, VhostUserRequest.GetInflightFd);
            area = _backend.GetInflightFd(request);
        }
        catch (Exception e) when (e is not VhostUserProtocolException)
        {
            ReportFailure(header, e);
            SendFailedExplicitReply(header.Request);
            return;
        }

        using (area.Fd)
        {
            Span<byte> reply = stackalloc byte[InflightDescription.Length];
            area.Description.Write(reply);
            SendReply(header.Request, reply, area.Fd is null ? default : [area.Fd]);
        }
    }

    private void HandleUnsupported(in VhostUserHeader header, ReceivedFds fds)
    {
        if (Enum.IsDefined((VhostUserRequest)header.Request) && header.Request != 0)
        {
            Log.UnsupportedRequest(_logger, (VhostUserRequest)header.Request, header.Size, fds.Count, header.NeedsReply);
        }
        else
        {
            Log.UnknownRequest(_logger, header.Request, header.Size, fds.Count, header.NeedsReply);
        }

        // The endpoint already consumed the payload and the caller closes the fds.
        Acknowledge(header, 1);
    }

    private void SetFeatures(ulong features)
    {
        var unoffered = features & ~_backend.DeviceFeatures;
        if (unoffered != 0)
        {
            throw new VhostUserDeviceException($"front-end acked features 0x{unoffered:x} that were not offered");
        }

        _backend.SetFeatures(features);
        Volatile.Write(ref _ackedFeatures, features);
    }

    private void SetProtocolFeatures(ulong features)
    {
        RequireProtocolFeaturesBit();
        var unoffered = features & ~(ulong)_backend.ProtocolFeatures;
        if (unoffered != 0)
        {
            throw new VhostUserDeviceException($"front-end acked protocol features 0x{unoffered:x} that were not offered");
        }

        _backend.SetProtocolFeatures((VhostUserProtocolFeatures)features);
        Volatile.Write(ref _ackedProtocolFeatures, features);
    }

    private void SetVringState(VhostUserRequest request, VringState state)
    {
        CheckVring(state.Index);
        switch (request)
        {
            case VhostUserRequest.SetVringNum:
                _backend.SetVringNum(state.Index, state.Num);
                break;
            case VhostUserRequest.SetVringBase:
                _backend.SetVringBase(state.Index, state.Num);
                break;
            default:
                _backend.SetVringEnable(state.Index, state.Num switch
                {
                    0 => false,
                    1 => true,
                    _ => throw new VhostUserDeviceException($"SET_VRING_ENABLE value {state.Num} is neither 0 nor 1"),
                });
                break;
        }
    }

    private void SetBackendChannel(OwnedFd fd)
    {
        BackendChannel channel;
        try
        {
            RequireProtocolFeature(VhostUserProtocolFeatures.BackendReq, VhostUserRequest.SetBackendReqFd);
            channel = new BackendChannel(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }

        // The session owns the channel: it is closed on replacement or disconnect.
        Interlocked.Exchange(ref _backendChannel, channel)?.Dispose();
        _backend.SetBackendChannel(channel);
    }
}
