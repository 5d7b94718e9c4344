using HilBridge.Core.Dma;

namespace HilBridge.Core.Blk;

/// <summary>
/// What one request did. A status byte that could not be written is reported, not hidden: the host
/// still pushes the used element when the byte is out of reach for good (the driver put it where no
/// device can write), but not when its translation merely went unanswered
/// (<see cref="DmaStatus.Unanswered"/>, see <see cref="VirtioBlkQueueProcessor"/>).
/// </summary>
/// <param name="Status">The status the device meant to give the guest.</param>
/// <param name="Outcome">Why: for counters and logs.</param>
/// <param name="UsedLength">For the used ring: payload bytes written to the guest, plus 1 when the status byte was written.</param>
/// <param name="StatusWritten">False when the chain has no status byte or writing it failed.</param>
/// <param name="StatusDma">Result of the status byte write (Fault when there was no status byte).</param>
/// <param name="Type">The header's type (In when the header was missing).</param>
/// <param name="Sector">The header's sector.</param>
/// <param name="BytesRead">Bytes read from the store into guest memory (IN).</param>
/// <param name="BytesWritten">Bytes written from guest memory to the store (OUT).</param>
/// <param name="StatusAddress">Where the status byte is (0 when the chain has none).</param>
public readonly record struct RequestResult(
    VirtioBlkStatus Status,
    RequestOutcome Outcome,
    uint UsedLength,
    bool StatusWritten,
    DmaStatus StatusDma,
    VirtioBlkRequestType Type,
    ulong Sector,
    ulong BytesRead,
    ulong BytesWritten,
    ulong StatusAddress = 0);
