using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace HilBridge.Core.Dma;

/// <summary>
/// What a straggler write puts into guest memory: the 16-byte ASCII unit "HBSTRAG:" + the straggler's id in
/// 8 hex digits, repeated (the last unit cut short). Readable in any hex dump, and any 16 bytes the guest
/// finds corrupted at a unit boundary name the straggler that wrote them.
/// </summary>
public static class StragglerPoison
{
    public const int UnitLength = 16;

    private static ReadOnlySpan<byte> Tag => "HBSTRAG:"u8;

    /// <summary>Fills <paramref name="destination"/> with the poison of straggler <paramref name="id"/> (ids above 2^32 - 1 keep their low 32 bits).</summary>
    public static void Fill(Span<byte> destination, ulong id)
    {
        Span<byte> unit = stackalloc byte[UnitLength];
        Tag.CopyTo(unit);
        Utf8Formatter.TryFormat((uint)id, unit[Tag.Length..], out _, new StandardFormat('x', 8));
        for (int i = 0; i < destination.Length; i += UnitLength)
        {
            var piece = destination[i..];
            unit[..Math.Min(UnitLength, piece.Length)].CopyTo(piece);
        }
    }

    /// <summary>The straggler id in a poison unit at the start of <paramref name="bytes"/>; false if it is not one.</summary>
    public static bool TryParseId(ReadOnlySpan<byte> bytes, out ulong id)
    {
        id = 0;
        if (bytes.Length < UnitLength || !bytes.StartsWith(Tag))
        {
            return false;
        }

        var digits = Encoding.ASCII.GetString(bytes.Slice(Tag.Length, 8));
        if (!uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        id = value;
        return true;
    }
}
