using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Session;

/// <summary>Flat dispatch: one case per request, each checking its payload and fds before calling the back-end.</summary>
public sealed partial class VhostUserSession
{
    private bool _iotlbBeforeAckLogged;

    private void Dispatch(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        header.ValidateAsRequest();
        Log.RequestReceived(_logger, (VhostUserRequest)header.Request, (uint)header.Flags, header.Size, fds.Count);
        try
        {
            DispatchCore(header, payload, fds);
        }
        catch (VhostUserProtocolException e) when (e.Request == 0)
        {
            // Payload codecs do not know which request they decode; say it here.
            throw new VhostUserProtocolException(e.Message, header.Request);
        }
    }

    private void DispatchCore(in VhostUserHeader header, ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        switch ((VhostUserRequest)header.Request)
        {
            case VhostUserRequest.GetFeatures:
                ExpectEmpty(header, payload, fds);
                ReplyU64(header, static s => s._backend.DeviceFeatures);
                break;
            case VhostUserRequest.SetFeatures:
                ExpectFds(header, fds, 0);
                Execute(header, U64Payload.Read(payload), static (s, features) => s.SetFeatures(features));
                break;
            case VhostUserRequest.SetOwner:
                ExpectEmpty(header, payload, fds);
                Execute(header, 0, static (s, _) =>
                {
                    s._backend.SetOwner();
                    s._ownerSet = true;
                });
                break;
            case VhostUserRequest.ResetOwner:
            case VhostUserRequest.ResetDevice:
                ExpectEmpty(header, payload, fds);
                Execute(header, 0, static (s, _) =>
                {
                    s._backend.ResetDevice();
                    Volatile.Write(ref s._ackedFeatures, 0);
                });
                break;
            case VhostUserRequest.SetMemTable:
                HandleSetMemTable(header, payload, fds);
                break;
            case VhostUserRequest.SetLogBase:
                HandleSetLogBase(header, payload, fds);
                break;
            case VhostUserRequest.SetLogFd:
                // No payload is defined; whatever came was read and is ignored.
                ExpectFds(header, fds, 1);
                Execute(header, fds.Take(0), static (s, fd) => s.Owning(fd, () => s._backend.SetLogFd(fd)));
                break;
            case VhostUserRequest.SetVringNum:
            case VhostUserRequest.SetVringBase:
            case VhostUserRequest.SetVringEnable:
                ExpectFds(header, fds, 0);
                Execute(header, ((VhostUserRequest)header.Request, VringState.Read(payload)), static (s, st) => s.SetVringState(st.Item1, st.Item2));
                break;
            case VhostUserRequest.SetVringAddr:
                ExpectFds(header, fds, 0);
                Execute(header, VringAddress.Read(payload), static (s, address) =>
                {
                    s.CheckVring(address.Index);
                    s._backend.SetVringAddr(address);
                });
                break;
            case VhostUserRequest.GetVringBase:
                HandleGetVringBase(header, payload, fds);
                break;
            case VhostUserRequest.SetVringKick:
            case VhostUserRequest.SetVringCall:
            case VhostUserRequest.SetVringErr:
                HandleVringFile(header, payload, fds);
                break;
            case VhostUserRequest.GetProtocolFeatures:
                ExpectEmpty(header, payload, fds);
                ReplyU64(header, static s =>
                {
                    s.RequireProtocolFeaturesBit();
                    return (ulong)s._backend.ProtocolFeatures;
                });
                break;
            case VhostUserRequest.SetProtocolFeatures:
                ExpectFds(header, fds, 0);
                Execute(header, U64Payload.Read(payload), static (s, features) => s.SetProtocolFeatures(features));
                break;
            case VhostUserRequest.GetQueueNum:
                ExpectEmpty(header, payload, fds);
                ReplyU64(header, static s => (ulong)s._backend.MaxQueues);
                break;
            case VhostUserRequest.SetBackendReqFd:
                ExpectSize(header, payload, 0);
                ExpectFds(header, fds, 1);
                Execute(header, fds.Take(0), static (s, fd) => s.SetBackendChannel(fd));
                break;
            case VhostUserRequest.IotlbMsg:
                HandleIotlb(header, payload, fds);
                break;
            case VhostUserRequest.GetConfig:
                HandleGetConfig(header, payload, fds);
                break;
            case VhostUserRequest.SetConfig:
                HandleSetConfig(header, payload, fds);
                break;
            case VhostUserRequest.GetMaxMemSlots:
                ExpectEmpty(header, payload, fds);
                ReplyU64(header, static s =>
                {
                    s.RequireProtocolFeature(VhostUserProtocolFeatures.ConfigureMemSlots, VhostUserRequest.GetMaxMemSlots);
                    return s._backend.GetMaxMemSlots();
                });
                break;
            case VhostUserRequest.AddMemReg:
                HandleAddMemReg(header, payload, fds);
                break;
            case VhostUserRequest.RemMemReg:
                // QEMU 7.2 sends no fd; some front-ends send the region's fd again, which is just closed.
                if (fds.Count > 1)
                {
                    ExpectFds(header, fds, 1);
                }

                Execute(header, MemoryRegionMessage.Read(payload), static (s, region) =>
                {
                    s.RequireProtocolFeature(VhostUserProtocolFeatures.ConfigureMemSlots, VhostUserRequest.RemMemReg);
                    s._backend.RemoveMemoryRegion(region);
                });
                break;
            case VhostUserRequest.GetInflightFd:
                HandleGetInflightFd(header, payload, fds);
                break;
            case VhostUserRequest.SetInflightFd:
                ExpectFds(header, fds, 1);
                Execute(header, (InflightDescription.Read(payload), fds.Take(0)), static (s, st) => s.Owning(st.Item2, () =>
                {
                    s.RequireProtocolFeature(VhostUserProtocolFeatures.InflightShmfd, VhostUserRequest.SetInflightFd);
                    s._backend.SetInflightFd(st.Item1, st.Item2);
                }));
                break;
            case VhostUserRequest.SetStatus:
                ExpectFds(header, fds, 0);
                Execute(header, U64Payload.Read(payload), static (s, status) =>
                {
                    s.RequireProtocolFeature(VhostUserProtocolFeatures.Status, VhostUserRequest.SetStatus);
                    s._backend.SetStatus(status <= byte.MaxValue ? (byte)status : throw new VhostUserDeviceException($"status 0x{status:x} does not fit in a byte"));
                });
                break;
            case VhostUserRequest.GetStatus:
                ExpectEmpty(header, payload, fds);
                ReplyU64(header, static s =>
                {
                    s.RequireProtocolFeature(VhostUserProtocolFeatures.Status, VhostUserRequest.GetStatus);
                    return s._backend.GetStatus();
                });
                break;
            default:
                HandleUnsupported(header, fds);
                break;
        }
    }
}
