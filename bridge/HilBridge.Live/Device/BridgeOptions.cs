using HilBridge.Core.Engine;
using HilBridge.VhostUser.Session;

namespace HilBridge.Live.Device;

/// <summary>The bridge's device and engine settings, with defaults for the main job. Immutable: a run derives its copy with <c>with</c>.</summary>
public sealed record BridgeOptions
{
    /// <summary>Disk image behind the virtio-blk device; created (sparse) when missing.</summary>
    public string DiskImage { get; init; } = "disk.img";

    public long DiskSizeBytes { get; init; } = 64L << 20;

    public int QueueCount { get; init; } = 1;

    /// <summary>How long a DMA waits for QEMU to fill an ATC miss before it fails.</summary>
    public TimeSpan MissTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public string DeviceSerial { get; init; } = "hilbridge0";

    /// <summary>
    /// Accept guest memory that could shrink under the bridge (memory-backend-file on hugetlbfs or
    /// /dev/shm, unsealed memfds). Off: such a table is refused, because a front-end that truncates
    /// the file would kill the bridge with SIGBUS (see GuestMemoryFd). On only for a trusted front-end.
    /// </summary>
    public bool TrustUnsealedMemory { get; init; }

    /// <summary>How long a new connection may take to reach SET_OWNER before it is closed (see VhostUserSessionOptions).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = VhostUserSessionOptions.Default.HandshakeTimeout;

    /// <summary>How long a front-end may stall in the middle of a message before its connection is closed.</summary>
    public TimeSpan MessageTimeout { get; init; } = VhostUserSessionOptions.Default.MessageTimeout;

    public EngineOptions Engine { get; init; } = new();

    public VhostUserSessionOptions Session => new() { HandshakeTimeout = HandshakeTimeout, MessageTimeout = MessageTimeout };

    /// <summary>The problems of the connection settings, with <paramref name="prefix"/> naming their section (e.g. "Serve:Bridge:").</summary>
    public string? ValidateConnectionLimits(string prefix) => VhostUserSessionOptions.Validate(HandshakeTimeout, MessageTimeout, prefix);
}
