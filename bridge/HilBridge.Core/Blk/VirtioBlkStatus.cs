namespace HilBridge.Core.Blk;

/// <summary>The status byte the device writes as the last byte of a request.</summary>
public enum VirtioBlkStatus : byte
{
    /// <summary>VIRTIO_BLK_S_OK.</summary>
    Ok = 0,
    /// <summary>VIRTIO_BLK_S_IOERR: the request failed; device-writable data is undefined.</summary>
    IoErr = 1,
    /// <summary>VIRTIO_BLK_S_UNSUPP: the request type is not implemented.</summary>
    Unsupp = 2,
}
