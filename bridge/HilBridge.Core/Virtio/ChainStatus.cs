namespace HilBridge.Core.Virtio;

/// <summary>Outcome of walking one descriptor chain. Everything but Ok is a driver bug or a fault. Append only.</summary>
public enum ChainStatus
{
    Ok,
    /// <summary>The head index is not below the queue size.</summary>
    HeadOutOfRange,
    /// <summary>A descriptor (in the ring's table or an indirect table) could not be read.</summary>
    DescriptorUnreadable,
    /// <summary>VRING_DESC_F_NEXT names an index outside its table.</summary>
    NextOutOfRange,
    /// <summary>More descriptors than the table holds: the chain loops.</summary>
    Loop,
    /// <summary>An indirect descriptor inside an indirect table (VIRTIO 1.2 2.7.5.3.1 forbids it).</summary>
    NestedIndirect,
    /// <summary>An indirect table whose length is zero, not a multiple of 16, too long, or wraps.</summary>
    BadIndirectTable,
    /// <summary>An indirect descriptor that also has VRING_DESC_F_NEXT (forbidden by the spec).</summary>
    IndirectWithNext,
    /// <summary>A device-readable buffer after a device-writable one (readable buffers come first).</summary>
    ReadableAfterWritable,
    /// <summary>The buffers add up to more than the queue's bound (used.len is 32 bits).</summary>
    TooLong,
    /// <summary>A buffer whose address + length wraps the 64-bit space.</summary>
    BufferWraps,
}
