namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// Back-end to front-end request ids, sent on the channel handed over by SET_BACKEND_REQ_FD.
/// Append-only wire constants (QEMU 7.2: VHOST_USER_SLAVE_*).
/// </summary>
public enum VhostUserBackendRequest : uint
{
    /// <summary>Not a request.</summary>
    None = 0,
    /// <summary>IOTLB miss or access failure (payload: vhost_iotlb_msg); QEMU answers a miss with IOTLB_MSG UPDATE on the main channel.</summary>
    IotlbMsg = 1,
    /// <summary>Device config space changed; the front-end re-reads it with GET_CONFIG.</summary>
    ConfigChangeMsg = 2,
    /// <summary>Map a host notifier area for a vring (payload: vring area, fd).</summary>
    VringHostNotifierMsg = 3,
}
