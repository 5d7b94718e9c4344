namespace HilBridge.VhostUser.Protocol;

/// <summary>Protocol feature bits (GET/SET_PROTOCOL_FEATURES). Bit numbers are wire constants.</summary>
[Flags]
public enum VhostUserProtocolFeatures : ulong
{
    None = 0,
    /// <summary>Bit 0: GET_QUEUE_NUM is answered.</summary>
    Mq = 1UL << 0,
    /// <summary>Bit 1: SET_LOG_BASE carries a shared-memory fd and is replied to.</summary>
    LogShmfd = 1UL << 1,
    /// <summary>Bit 2: SEND_RARP (net).</summary>
    Rarp = 1UL << 2,
    /// <summary>Bit 3: NEED_REPLY is honoured on every request.</summary>
    ReplyAck = 1UL << 3,
    /// <summary>Bit 4: NET_SET_MTU (net).</summary>
    Mtu = 1UL << 4,
    /// <summary>Bit 5: back-end request channel (SET_BACKEND_REQ_FD); QEMU 7.2: SLAVE_REQ.</summary>
    BackendReq = 1UL << 5,
    /// <summary>Bit 6: SET_VRING_ENDIAN.</summary>
    CrossEndian = 1UL << 6,
    /// <summary>Bit 7: crypto sessions.</summary>
    CryptoSession = 1UL << 7,
    /// <summary>Bit 8: postcopy page faults.</summary>
    Pagefault = 1UL << 8,
    /// <summary>Bit 9: GET_CONFIG / SET_CONFIG.</summary>
    Config = 1UL << 9,
    /// <summary>Bit 10: back-end channel messages may carry fds; QEMU 7.2: SLAVE_SEND_FD.</summary>
    BackendSendFd = 1UL << 10,
    /// <summary>Bit 11: VRING_HOST_NOTIFIER_MSG.</summary>
    HostNotifier = 1UL << 11,
    /// <summary>Bit 12: GET/SET_INFLIGHT_FD.</summary>
    InflightShmfd = 1UL << 12,
    /// <summary>Bit 13: RESET_DEVICE instead of RESET_OWNER.</summary>
    ResetDevice = 1UL << 13,
    /// <summary>Bit 14: in-band notifications (VRING_KICK).</summary>
    InbandNotifications = 1UL << 14,
    /// <summary>Bit 15: GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG.</summary>
    ConfigureMemSlots = 1UL << 15,
    /// <summary>Bit 16: SET_STATUS / GET_STATUS.</summary>
    Status = 1UL << 16,
}
