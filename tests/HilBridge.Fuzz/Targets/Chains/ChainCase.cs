namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>Bytes the driver put in guest memory before the device looked (offset from the start of memory).</summary>
public sealed record MemoryWrite(ulong Offset, string Hex);

/// <summary>
/// A split ring as a hostile guest driver could leave it: memory at IOVA <see cref="MemoryBase"/>, the
/// queue's addresses and indices, and the bytes written (descriptor tables, avail ring, request headers).
/// </summary>
public sealed record ChainCase(
    ulong MemoryBase,
    int MemorySize,
    ushort QueueSize,
    ulong Desc,
    ulong Avail,
    ulong Used,
    ushort NextAvail,
    bool EventIdx,
    bool FencePayload,
    int DiskSectors,
    List<MemoryWrite> Writes);
