namespace HilBridge.Core.Blk;

/// <summary>Why a request ended with the status it did; for counters and logs, the guest only sees the status. Append only.</summary>
public enum RequestOutcome
{
    /// <summary>Served.</summary>
    Ok,
    /// <summary>A request type this device does not implement (VIRTIO_BLK_S_UNSUPP).</summary>
    Unsupported,
    /// <summary>The chain is malformed: no 16-byte header, no status byte, or the ring walk failed.</summary>
    BadChain,
    /// <summary>Data buffers in the wrong direction for the request type.</summary>
    WrongDirection,
    /// <summary>The data length is not a multiple of 512.</summary>
    BadLength,
    /// <summary>The sector range ends beyond the capacity.</summary>
    OutOfRange,
    /// <summary>A DMA failed for lack of a translation.</summary>
    DmaFault,
    /// <summary>A DMA was refused because the device is fenced.</summary>
    DmaFenced,
    /// <summary>A DMA was not attempted: reset or session end.</summary>
    DmaAborted,
    /// <summary>The block store reported an I/O error.</summary>
    StoreError,
}
