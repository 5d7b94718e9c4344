namespace HilBridge.Core.Blk;

/// <summary>The type field of a virtio-blk request header (VIRTIO 1.2 5.2.6). Only In, Out, Flush and GetId are served.</summary>
public enum VirtioBlkRequestType : uint
{
    /// <summary>VIRTIO_BLK_T_IN: read sectors into the device-writable buffers.</summary>
    In = 0,
    /// <summary>VIRTIO_BLK_T_OUT: write the device-readable buffers to sectors.</summary>
    Out = 1,
    /// <summary>VIRTIO_BLK_T_FLUSH: make completed writes durable.</summary>
    Flush = 4,
    /// <summary>VIRTIO_BLK_T_GET_ID: the device id string, 20 bytes, NUL-padded.</summary>
    GetId = 8,
    GetLifetime = 10,
    Discard = 11,
    WriteZeroes = 13,
    SecureErase = 14,
}
