namespace HilBridge.Core.Virtio;

/// <summary>
/// Follows each request through a queue so that a device restarted mid-I/O can tell which requests
/// were popped but never published (vhost-user's INFLIGHT_SHMFD area lives behind this in the host).
/// Called on the queue thread, in order: <see cref="Popped"/>, then <see cref="Publishing"/> and
/// <see cref="Published"/> around the used-ring update. A request that fails to publish stays in flight.
/// </summary>
public interface IInflightTracker
{
    /// <summary>The head was taken from the avail ring; its request is about to run.</summary>
    void Popped(ushort head);

    /// <summary>The head's used element and used->idx are about to be written.</summary>
    void Publishing(ushort head);

    /// <summary>The head is in the used ring, whose index is now <paramref name="usedIdx"/>.</summary>
    void Published(ushort head, ushort usedIdx);
}
