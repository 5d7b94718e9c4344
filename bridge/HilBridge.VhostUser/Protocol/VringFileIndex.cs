using System.Buffers.Binary;

namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// The u64 payload of SET_VRING_KICK/CALL/ERR: the vring index in bits 0-7 and, in bit 8, "no fd
/// follows" (the front-end wants polling or has no eventfd). Other bits are reserved.
/// <code>
///  63            9   8   7        0
///  +-------------+------+----------+
///  |  reserved   | NOFD |  index   |
///  +-------------+------+----------+
/// </code>
/// </summary>
public readonly record struct VringFileIndex(uint Index, bool NoFd)
{
    public const ulong IndexMask = 0xff;
    public const ulong NoFdMask = 0x100;

    public static VringFileIndex Read(ReadOnlySpan<byte> payload)
    {
        var value = U64Payload.Read(payload);
        if ((value & ~(IndexMask | NoFdMask)) != 0)
        {
            throw new VhostUserProtocolException($"vring file payload 0x{value:x} has reserved bits set");
        }

        return new VringFileIndex((uint)(value & IndexMask), (value & NoFdMask) != 0);
    }

    public ulong ToUInt64()
    {
        if (Index > IndexMask)
        {
            throw new InvalidOperationException($"vring index {Index} does not fit in 8 bits");
        }

        return Index | (NoFd ? NoFdMask : 0);
    }

    public void Write(Span<byte> destination) => U64Payload.Write(ToUInt64(), destination);
}
