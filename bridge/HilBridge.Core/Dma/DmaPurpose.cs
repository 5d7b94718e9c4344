namespace HilBridge.Core.Dma;

/// <summary>
/// Why the device touches guest memory. A fence (STE.EATS=0) refuses payload transfers through the
/// ATC, while control structures (rings, request header, status byte) stay reachable, so that a
/// fenced device can still complete its requests with VIRTIO_BLK_S_IOERR.
/// </summary>
public enum DmaPurpose : byte
{
    /// <summary>Descriptor table, avail/used rings, request header and status byte.</summary>
    Control,
    /// <summary>Data buffers of a request.</summary>
    Payload,
}
