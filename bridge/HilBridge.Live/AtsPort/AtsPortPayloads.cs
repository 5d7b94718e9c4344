using System.Buffers.Binary;

namespace HilBridge.Live.AtsPort;

// The payloads of the ATS port, one record each (protos/ats-port.md). Each TryRead checks the
// length first; bytes past the known fields are ignored, so QEMU may append fields later.

/// <summary>HELLO: sent by the SMMU first on every connection.</summary>
public readonly record struct AtsPortHello(uint Version, uint TimeoutMs, uint MaxInflight)
{
    public const int Size = 16;

    public static bool TryRead(ReadOnlySpan<byte> p, out AtsPortHello hello)
    {
        hello = p.Length < Size ? default : new(
            BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[8..]));
        return p.Length >= Size;
    }
}

/// <summary>
/// ATC_INV: one guest CMD_ATC_INV. <see cref="Address"/> starts the naturally aligned span of
/// 2^<see cref="SizeLog2"/> 4 KiB pages; <see cref="Length"/> is its byte count, 0 for the whole space.
/// </summary>
public readonly record struct AtcInvalidation(uint Tag, uint StreamId, uint SubstreamId, byte SizeLog2, bool SubstreamValid, bool Global, ulong Address, ulong Length)
{
    public const int Size = 32;

    public static bool TryRead(ReadOnlySpan<byte> p, out AtcInvalidation inv)
    {
        if (p.Length < Size)
        {
            inv = default;
            return false;
        }
        var flags = p[13];
        inv = new(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[8..]), p[12], (flags & 1) != 0, (flags & 2) != 0,
            BinaryPrimitives.ReadUInt64LittleEndian(p[16..]), BinaryPrimitives.ReadUInt64LittleEndian(p[24..]));
        return true;
    }

    /// <summary>Writes the payload (for tests and tools that play QEMU's side).</summary>
    public void Write(Span<byte> p)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, Tag);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], StreamId);
        BinaryPrimitives.WriteUInt32LittleEndian(p[8..], SubstreamId);
        p[12] = SizeLog2;
        p[13] = (byte)((SubstreamValid ? 1 : 0) | (Global ? 2 : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(p[14..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], Address);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], Length);
    }
}

/// <summary>The STE's configuration as the SMMU decoded it.</summary>
public enum SteConfig : byte
{
    /// <summary>Invalid or unreadable: every transaction aborts.</summary>
    Invalid = 0,
    Abort = 1,
    Bypass = 2,
    Translate = 3,
}

/// <summary>STE: a StreamID's STE after a CFGI_STE*; <see cref="TranslatedAllowed"/> is the SMMU's verdict on translated requests.</summary>
public readonly record struct SteState(uint StreamId, SteConfig Config, byte Eats, bool TranslatedAllowed)
{
    public const int Size = 8;

    public static bool TryRead(ReadOnlySpan<byte> p, out SteState ste)
    {
        ste = p.Length < Size ? default : new(BinaryPrimitives.ReadUInt32LittleEndian(p), (SteConfig)p[4], p[5], p[6] != 0);
        return p.Length >= Size;
    }

    public void Write(Span<byte> p)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, StreamId);
        p[4] = (byte)Config;
        p[5] = Eats;
        p[6] = TranslatedAllowed ? (byte)1 : (byte)0;
        p[7] = 0;
    }
}

/// <summary>SYNC: a CMD_SYNC covering invalidations up to <see cref="LastTag"/> completed (Error 0) or failed (3).</summary>
public readonly record struct SyncReport(uint LastTag, uint Error, TimeSpan Waited)
{
    public const int Size = 16;

    /// <summary>CERROR_ATC_INV_SYNC: an invalidation the CMD_SYNC covered failed or timed out.</summary>
    public const uint AtcInvalidationFailed = 3;

    public static bool TryRead(ReadOnlySpan<byte> p, out SyncReport sync)
    {
        sync = p.Length < Size ? default : new(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
            TimeSpan.FromTicks((long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(p[8..]) / 100, (ulong)TimeSpan.MaxValue.Ticks)));
        return p.Length >= Size;
    }
}

/// <summary>ATC_INV_TIMEOUT: the SMMU's own timeout failed invalidation <see cref="Tag"/>.</summary>
public readonly record struct AtcInvalidationTimeout(uint Tag, uint StreamId)
{
    public const int Size = 8;

    public static bool TryRead(ReadOnlySpan<byte> p, out AtcInvalidationTimeout timeout)
    {
        timeout = p.Length < Size ? default : new(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]));
        return p.Length >= Size;
    }
}

/// <summary>ATC_INV_DONE: HilBridge's completion of invalidation <see cref="Tag"/>; non-zero status = failed completion.</summary>
public readonly record struct AtcInvalidationDone(uint Tag, uint Status)
{
    public const int Size = 8;

    public static bool TryRead(ReadOnlySpan<byte> p, out AtcInvalidationDone done)
    {
        done = p.Length < Size ? default : new(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]));
        return p.Length >= Size;
    }

    public void Write(Span<byte> p)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, Tag);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], Status);
    }
}
