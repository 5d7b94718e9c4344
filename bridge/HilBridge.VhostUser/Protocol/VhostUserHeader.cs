using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// The fixed message header. Native byte order in the spec; little-endian on every host QEMU 7.2
/// vhost-user runs on here (x86-64, arm64).
/// <code>
///  0         4         8         12
///  +---------+---------+---------+-----------------+
///  | request |  flags  |  size   | payload (size)  |
///  +---------+---------+---------+-----------------+
/// </code>
/// </summary>
public readonly record struct VhostUserHeader(uint Request, VhostUserHeaderFlags Flags, uint Size)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Length = 12;

    /// <summary>Version field (bits 0-1).</summary>
    public uint Version => (uint)(Flags & VhostUserHeaderFlags.VersionMask);

    public bool IsReply => (Flags & VhostUserHeaderFlags.Reply) != 0;

    public bool NeedsReply => (Flags & VhostUserHeaderFlags.NeedReply) != 0;

    /// <summary>A version-1 request header.</summary>
    public static VhostUserHeader ForRequest(VhostUserRequest request, int size, bool needReply = false) =>
        new((uint)request, VhostUserHeaderFlags.Version1 | (needReply ? VhostUserHeaderFlags.NeedReply : 0), checked((uint)size));

    /// <summary>A reply header: exactly Version1 | Reply, the only flags QEMU 7.2 accepts.</summary>
    public static VhostUserHeader ForReply(uint request, int size) =>
        new(request, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.Reply, checked((uint)size));

    public static VhostUserHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Length)
        {
            throw new VhostUserProtocolException($"truncated header: {source.Length} of {Length} bytes");
        }

        return new VhostUserHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(source),
            (VhostUserHeaderFlags)BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));
    }

    public void Write(Span<byte> destination)
    {
        PayloadGuard.ExpectDestination(destination, Length, "header");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Request);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Size);
    }

    /// <summary>Checks what a back-end must see on a request: version 1, no reply bit, no reserved bits.</summary>
    public void ValidateAsRequest()
    {
        if (Version != 1)
        {
            throw new VhostUserProtocolException($"unsupported version {Version} (flags 0x{(uint)Flags:x})", Request);
        }

        if (IsReply)
        {
            throw new VhostUserProtocolException($"reply flag set on a request (flags 0x{(uint)Flags:x})", Request);
        }

        if ((Flags & ~VhostUserHeaderFlags.AllKnown) != 0)
        {
            throw new VhostUserProtocolException($"reserved flag bits set (flags 0x{(uint)Flags:x})", Request);
        }
    }

    /// <summary>Checks a reply the way QEMU 7.2 does: flags exactly Version1 | Reply and the request echoed.</summary>
    public void ValidateAsReplyTo(uint request)
    {
        if (Flags != (VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.Reply))
        {
            throw new VhostUserProtocolException($"reply flags 0x{(uint)Flags:x} instead of 0x5", Request);
        }

        if (Request != request)
        {
            throw new VhostUserProtocolException($"reply to request {Request} while waiting for {request}", Request);
        }
    }
}
