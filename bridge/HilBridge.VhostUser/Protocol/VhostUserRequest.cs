namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// Front-end to back-end request ids (the <c>request</c> field of the header on the main socket).
/// Append-only: values are wire constants from docs/interop/vhost-user.rst; never renumber.
/// QEMU 7.2 still spells "backend" as "SLAVE"; the newer names are used here.
/// </summary>
public enum VhostUserRequest : uint
{
    /// <summary>Not a request; 0 is never sent.</summary>
    None = 0,
    /// <summary>Query the device's virtio feature bits (reply: u64).</summary>
    GetFeatures = 1,
    /// <summary>Ack the virtio feature bits the front-end will use (payload: u64).</summary>
    SetFeatures = 2,
    /// <summary>Claim the back-end for this front-end (no payload).</summary>
    SetOwner = 3,
    /// <summary>Legacy reset; QEMU sends it instead of RESET_DEVICE when that is not negotiated.</summary>
    ResetOwner = 4,
    /// <summary>Replace the guest memory table (payload: memory table, one fd per region).</summary>
    SetMemTable = 5,
    /// <summary>Set the dirty log area (payload: log description, fd if LOG_SHMFD).</summary>
    SetLogBase = 6,
    /// <summary>Set the eventfd used to signal log updates (fd).</summary>
    SetLogFd = 7,
    /// <summary>Set the size of a vring (payload: vring state).</summary>
    SetVringNum = 8,
    /// <summary>Set the ring addresses (payload: vring address; IOVAs with ACCESS_PLATFORM).</summary>
    SetVringAddr = 9,
    /// <summary>Set the next available index to process (payload: vring state).</summary>
    SetVringBase = 10,
    /// <summary>Stop a vring and return its last available index (payload and reply: vring state).</summary>
    GetVringBase = 11,
    /// <summary>Set the kick eventfd of a vring (payload: u64 index|NOFD, fd).</summary>
    SetVringKick = 12,
    /// <summary>Set the call eventfd of a vring (payload: u64 index|NOFD, fd).</summary>
    SetVringCall = 13,
    /// <summary>Set the error eventfd of a vring (payload: u64 index|NOFD, fd).</summary>
    SetVringErr = 14,
    /// <summary>Query the protocol feature bits (reply: u64).</summary>
    GetProtocolFeatures = 15,
    /// <summary>Ack the protocol feature bits (payload: u64).</summary>
    SetProtocolFeatures = 16,
    /// <summary>Query the maximum number of queues (reply: u64; needs MQ).</summary>
    GetQueueNum = 17,
    /// <summary>Enable or disable a vring (payload: vring state, num = 0/1).</summary>
    SetVringEnable = 18,
    /// <summary>Ask a net back-end to broadcast a RARP (payload: MAC in u64).</summary>
    SendRarp = 19,
    /// <summary>Tell a net back-end the MTU (payload: u64).</summary>
    NetSetMtu = 20,
    /// <summary>Hand over the back-end request channel (fd; QEMU 7.2: SET_SLAVE_REQ_FD).</summary>
    SetBackendReqFd = 21,
    /// <summary>Device IOTLB update or invalidate (payload: vhost_iotlb_msg; QEMU always wants a reply).</summary>
    IotlbMsg = 22,
    /// <summary>Set vring endianness for legacy cross-endian guests (payload: vring state).</summary>
    SetVringEndian = 23,
    /// <summary>Read device config space (payload and reply: config).</summary>
    GetConfig = 24,
    /// <summary>Write device config space (payload: config).</summary>
    SetConfig = 25,
    /// <summary>Create a crypto session (crypto devices only).</summary>
    CreateCryptoSession = 26,
    /// <summary>Close a crypto session (crypto devices only).</summary>
    CloseCryptoSession = 27,
    /// <summary>Postcopy migration: open a userfaultfd (reply carries the fd).</summary>
    PostcopyAdvise = 28,
    /// <summary>Postcopy migration: start listening for faults.</summary>
    PostcopyListen = 29,
    /// <summary>Postcopy migration: done.</summary>
    PostcopyEnd = 30,
    /// <summary>Get the shared inflight-I/O tracking area (payload and reply: inflight description, reply fd).</summary>
    GetInflightFd = 31,
    /// <summary>Restore the inflight-I/O tracking area after reconnect (payload: inflight description, fd).</summary>
    SetInflightFd = 32,
    /// <summary>vhost-user-gpu: hand over the GPU socket (fd).</summary>
    GpuSetSocket = 33,
    /// <summary>Reset the device, keeping ownership (no payload; needs RESET_DEVICE).</summary>
    ResetDevice = 34,
    /// <summary>In-band vring kick (payload: vring state; needs INBAND_NOTIFICATIONS).</summary>
    VringKick = 35,
    /// <summary>Query the maximum number of memory slots (reply: u64; needs CONFIGURE_MEM_SLOTS).</summary>
    GetMaxMemSlots = 36,
    /// <summary>Add one memory region (payload: single region, one fd).</summary>
    AddMemReg = 37,
    /// <summary>Remove one memory region (payload: single region).</summary>
    RemMemReg = 38,
    /// <summary>Set the virtio device status byte (payload: u64; needs STATUS).</summary>
    SetStatus = 39,
    /// <summary>Get the virtio device status byte (reply: u64; needs STATUS).</summary>
    GetStatus = 40,
    /// <summary>Look up a shared virtio object by UUID (QEMU 8.2+).</summary>
    GetSharedObject = 41,
    /// <summary>Start a device state transfer over a pipe (QEMU 8.2+).</summary>
    SetDeviceStateFd = 42,
    /// <summary>Check that the device state transfer succeeded (QEMU 8.2+).</summary>
    CheckDeviceState = 43,
}
