using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// The device behind a vhost-user session: one method per request, called on the session's read
/// thread, one at a time and in wire order. Throw <see cref="VhostUserDeviceException"/> to refuse a
/// request (the session sends a failure reply when one is wanted and continues); any other exception
/// is treated the same way but logged as a back-end bug. The session has already checked sizes, fd
/// counts, negotiated features and vring indices (&lt; <see cref="MaxQueues"/>) before calling.
/// <para>
/// Fd ownership: fds passed to a method belong to the back-end once the method returns normally;
/// if it throws, the session disposes them (disposing twice is harmless).
/// </para>
/// Members with a body are optional; their defaults refuse with a not-supported
/// <see cref="VhostUserDeviceException"/>, except <see cref="SetVringErr"/> which QEMU always sends.
/// </summary>
public interface IVhostUserBackend
{
    /// <summary>
    /// Virtio feature bits answered to GET_FEATURES. For HilBridge: VIRTIO_F_VERSION_1 (32),
    /// VIRTIO_F_ACCESS_PLATFORM (33) and VHOST_USER_F_PROTOCOL_FEATURES (30), plus the device's own.
    /// SET_FEATURES acking bits outside this set is refused.
    /// </summary>
    ulong DeviceFeatures { get; }

    /// <summary>
    /// Protocol features answered to GET_PROTOCOL_FEATURES. QEMU 7.2 with iommu_platform=on needs
    /// REPLY_ACK and BACKEND_REQ; vhost-user-blk needs CONFIG. Requests gated by a feature are
    /// refused unless it was negotiated.
    /// </summary>
    VhostUserProtocolFeatures ProtocolFeatures { get; }

    /// <summary>Queues the device supports; answered to GET_QUEUE_NUM and bounds every vring index.</summary>
    int MaxQueues { get; }

    /// <summary>SET_OWNER: the front-end claims the device (once per connection in QEMU 7.2).</summary>
    void SetOwner();

    /// <summary>RESET_OWNER (4) or RESET_DEVICE (34): stop all rings and return to the initial state.</summary>
    void ResetDevice();

    /// <summary>SET_FEATURES: the virtio features in use (already checked to be a subset of <see cref="DeviceFeatures"/>).</summary>
    void SetFeatures(ulong features);

    /// <summary>SET_PROTOCOL_FEATURES: the protocol features in use (a subset of <see cref="ProtocolFeatures"/>).</summary>
    void SetProtocolFeatures(VhostUserProtocolFeatures features);

    /// <summary>
    /// SET_MEM_TABLE: replaces guest memory. <paramref name="fds"/>[i] backs <paramref name="regions"/>[i];
    /// map each with <see cref="MemoryMapping.MapRegion"/>. With ACCESS_PLATFORM, addresses in
    /// rings and descriptors are IOVAs and IOTLB UPDATEs translate them to <c>UserspaceAddress</c> values.
    /// </summary>
    void SetMemoryTable(IReadOnlyList<MemoryRegionDescription> regions, IReadOnlyList<OwnedFd> fds);

    /// <summary>SET_VRING_NUM: ring size.</summary>
    void SetVringNum(uint index, uint num);

    /// <summary>SET_VRING_BASE: next available index to process.</summary>
    void SetVringBase(uint index, uint num);

    /// <summary>GET_VRING_BASE: stop the ring and return the next available index it would have processed.</summary>
    uint GetVringBase(uint index);

    /// <summary>SET_VRING_ADDR: ring addresses (IOVAs when ACCESS_PLATFORM was negotiated).</summary>
    void SetVringAddr(in VringAddress address);

    /// <summary>SET_VRING_KICK: the eventfd the guest kicks (null: no fd, the NOFD bit was set). Receiving it starts the ring.</summary>
    void SetVringKick(uint index, OwnedFd? fd);

    /// <summary>SET_VRING_CALL: the eventfd to signal used buffers (null: no fd).</summary>
    void SetVringCall(uint index, OwnedFd? fd);

    /// <summary>SET_VRING_ERR: the eventfd to signal ring errors (null: no fd). Default: accepted and closed.</summary>
    void SetVringErr(uint index, OwnedFd? fd) => fd?.Dispose();

    /// <summary>SET_VRING_ENABLE: enable (process with side effects) or disable a started ring.</summary>
    void SetVringEnable(uint index, bool enable);

    /// <summary>
    /// GET_CONFIG: fill <paramref name="destination"/> (exactly the requested size) with config space
    /// from <paramref name="offset"/>; return bytes written. Bytes not written are sent as zero.
    /// </summary>
    int GetConfig(uint offset, Span<byte> destination);

    /// <summary>SET_CONFIG: a config space write. Refuse read-only fields unless <paramref name="flags"/> is LiveMigration.</summary>
    void SetConfig(uint offset, ReadOnlySpan<byte> data, ConfigFlags flags);

    /// <summary>
    /// SET_BACKEND_REQ_FD: the channel for IOTLB misses and config-change notices. The session owns
    /// it and disposes it on replacement or disconnect; after that its sends return false.
    /// </summary>
    void SetBackendChannel(BackendChannel channel);

    /// <summary>
    /// IOTLB_MSG UPDATE or INVALIDATE (other types are refused before this is called). Complete
    /// <paramref name="reply"/> exactly once, now or later from any thread; 0 = success. QEMU's vCPU
    /// waits for an INVALIDATE's reply, and the session keeps reading meanwhile, so an UPDATE
    /// answering an earlier miss can arrive before the INVALIDATE is completed. Never send a MISS
    /// and then wait for it while an INVALIDATE reply is outstanding: reply first, then miss.
    /// </summary>
    void OnIotlbMessage(in IotlbMessage message, DeferredReply reply);

    /// <summary>
    /// The connection ended (peer closed, fault, local close). Called once, last, on the read thread,
    /// before the session closes the socket and the back-end channel: stop the device here, so the
    /// front-end never sees a completion after it saw the disconnect.
    /// </summary>
    void OnDisconnected(string? reason);

    /// <summary>SET_LOG_BASE (migration dirty log; needs LOG_SHMFD). <paramref name="fd"/> may be null.</summary>
    void SetLogBase(in LogDescription log, OwnedFd? fd) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.SetLogBase);

    /// <summary>SET_LOG_FD (eventfd for log updates).</summary>
    void SetLogFd(OwnedFd fd) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.SetLogFd);

    /// <summary>GET_MAX_MEM_SLOTS (needs CONFIGURE_MEM_SLOTS).</summary>
    ulong GetMaxMemSlots() => throw VhostUserDeviceException.NotSupported(VhostUserRequest.GetMaxMemSlots);

    /// <summary>ADD_MEM_REG (needs CONFIGURE_MEM_SLOTS): QEMU uses this instead of SET_MEM_TABLE when negotiated.</summary>
    void AddMemoryRegion(in MemoryRegionDescription region, OwnedFd fd) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.AddMemReg);

    /// <summary>REM_MEM_REG (needs CONFIGURE_MEM_SLOTS).</summary>
    void RemoveMemoryRegion(in MemoryRegionDescription region) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.RemMemReg);

    /// <summary>GET_INFLIGHT_FD (needs INFLIGHT_SHMFD): allocate the inflight tracking area. The session sends then closes the fd.</summary>
    InflightArea GetInflightFd(in InflightDescription request) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.GetInflightFd);

    /// <summary>SET_INFLIGHT_FD (needs INFLIGHT_SHMFD): adopt an inflight tracking area after reconnect.</summary>
    void SetInflightFd(in InflightDescription description, OwnedFd fd) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.SetInflightFd);

    /// <summary>SET_STATUS (needs STATUS): the virtio device status byte.</summary>
    void SetStatus(byte status) => throw VhostUserDeviceException.NotSupported(VhostUserRequest.SetStatus);

    /// <summary>GET_STATUS (needs STATUS).</summary>
    byte GetStatus() => throw VhostUserDeviceException.NotSupported(VhostUserRequest.GetStatus);
}

/// <summary>The answer to GET_INFLIGHT_FD: the area's description and the fd holding it (null when MmapSize is 0).</summary>
public readonly record struct InflightArea(InflightDescription Description, OwnedFd? Fd);
