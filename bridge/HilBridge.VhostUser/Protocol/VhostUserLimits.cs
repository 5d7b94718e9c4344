namespace HilBridge.VhostUser.Protocol;

/// <summary>Bounds that keep every peer-controlled size finite before anything is allocated.</summary>
public static class VhostUserLimits
{
    /// <summary>Most fds one message may carry (VHOST_MEMORY_BASELINE_NREGIONS / VHOST_USER_SLAVE_MAX_FDS).</summary>
    public const int MaxFds = 8;

    /// <summary>Most regions in one SET_MEM_TABLE.</summary>
    public const int MaxMemoryRegions = 8;

    /// <summary>Largest config space access (VHOST_USER_MAX_CONFIG_SIZE).</summary>
    public const int MaxConfigSize = 256;

    /// <summary>
    /// Default payload limit. QEMU 7.2's largest payload is the ~600-byte crypto session; a page plus a
    /// config block leaves room for newer messages while still bounding the receive buffer.
    /// </summary>
    public const int DefaultMaxPayloadSize = 4096 + 256;
}
