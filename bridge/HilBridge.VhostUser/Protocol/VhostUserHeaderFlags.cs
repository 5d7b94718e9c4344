namespace HilBridge.VhostUser.Protocol;

/// <summary>The <c>flags</c> field of the header.</summary>
[Flags]
public enum VhostUserHeaderFlags : uint
{
    None = 0,
    /// <summary>Protocol version 1 (the only one), stored in bits 0-1.</summary>
    Version1 = 0x1,
    /// <summary>Mask of the version bits.</summary>
    VersionMask = 0x3,
    /// <summary>Bit 2: this message is a reply. QEMU 7.2 accepts replies only with flags == Version1 | Reply.</summary>
    Reply = 0x4,
    /// <summary>Bit 3: the sender waits for an ack (REPLY_ACK) or, for IOTLB_MSG, always.</summary>
    NeedReply = 0x8,
    /// <summary>Every bit defined by the spec; others are reserved and rejected.</summary>
    AllKnown = VersionMask | Reply | NeedReply,
}
