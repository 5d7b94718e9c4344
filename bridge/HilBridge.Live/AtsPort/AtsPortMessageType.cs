namespace HilBridge.Live.AtsPort;

/// <summary>
/// Message types of the SMMU ATS port (protos/ats-port.md, QEMU's hw/arm/smmuv3-ats-port.h).
/// Append-only: the numbers are on the wire. 0x00xx go from the SMMU to HilBridge, 0x008x back.
/// </summary>
public enum AtsPortMessageType : ushort
{
    /// <summary>First message of every connection: protocol version, the SMMU's timeout and slot count.</summary>
    Hello = 0x0001,
    /// <summary>One guest CMD_ATC_INV, to be answered by <see cref="AtcInvalidateDone"/> with its tag.</summary>
    AtcInvalidate = 0x0002,
    /// <summary>A StreamID's STE after the guest invalidated it: whether translated requests are accepted.</summary>
    Ste = 0x0003,
    /// <summary>A CMD_SYNC that covered forwarded invalidations completed (or reported CERROR_ATC_INV_SYNC).</summary>
    Sync = 0x0004,
    /// <summary>The SMMU's hardware timeout failed an invalidation; a later completion for it is ignored.</summary>
    AtcInvalidateTimeout = 0x0005,
    /// <summary>HilBridge to the SMMU: the device completed invalidation <c>tag</c> (status 0) or failed it.</summary>
    AtcInvalidateDone = 0x0081,
}
