using System.Globalization;

namespace HilBridge.Traces.Import;

/// <summary>Numbers in QEMU trace fields: "0x1f" hex or "31" decimal (negative asid=-1 reads as absent).</summary>
internal static class SmmuFields
{
    public static bool TryNumber(IReadOnlyDictionary<string, string> fields, string key, out ulong value)
    {
        value = 0;
        if (!fields.TryGetValue(key, out var text))
        {
            return false;
        }

        var t = text.AsSpan().Trim().TrimEnd(',');
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
