using System.Globalization;
using System.Text.Json.Serialization;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>
/// The guest's own witness: a run of bytes it found changed in memory it had got back from the device
/// (an "HB: corruption" report, qemu-scripts/guest/init hb.witness). <see cref="Head"/> is what it saw,
/// in hex, from the 16-byte boundary at or before the run; <see cref="PoisonId"/> is the straggler id
/// read from those bytes when they are a straggler's poison. The guest knows nothing of the bridge:
/// <see cref="Straggler"/> and <see cref="StragglerOutcome"/> are the host's match of the id against the
/// stragglers that ran (live, or in a replay).
/// </summary>
public sealed record GuestFinding(int Round, long Block, int Offset, int Bytes, string Head, ulong? PoisonId)
{
    /// <summary>The straggler with the poison's id (id, request, IOVA, outcome), or null when none ran.</summary>
    public string? Straggler { get; init; }

    /// <summary>What the engine decided for that straggler: a refused one cannot have written these bytes.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<StragglerOutcome>))]
    public StragglerOutcome? StragglerOutcome { get; init; }

    /// <summary>Whether a straggler that reached guest memory explains the finding.</summary>
    [JsonIgnore]
    public bool Explained => StragglerOutcome is { } o && o != Core.Engine.StragglerOutcome.RefusedFenced;

    /// <summary>Parses an "HB: corruption" report's fields; null when a field is missing or malformed.</summary>
    public static GuestFinding? FromReport(IReadOnlyDictionary<string, string> fields)
    {
        if (!TryInt(fields, "n", out var round) || !TryInt(fields, "block", out var block) || !TryInt(fields, "offset", out var offset) ||
            !TryInt(fields, "bytes", out var bytes) || !fields.TryGetValue("head", out var head))
        {
            return null;
        }

        return new GuestFinding((int)round, block, (int)offset, (int)bytes, head, FindPoison(head));
    }

    /// <summary>Matches each finding to the straggler whose id its poison carries, among <paramref name="ran"/> (by id).</summary>
    public static IReadOnlyList<GuestFinding> Match(IEnumerable<GuestFinding> findings, IReadOnlyDictionary<ulong, StragglerAccess> ran) =>
        findings.Select(f => f.PoisonId is { } id && ran.TryGetValue(id, out var s)
            ? f with { Straggler = $"#{s.Id} req={s.RequestId} iova=0x{s.Iova:x} {s.Outcome.ToString().ToLowerInvariant()}", StragglerOutcome = s.Outcome }
            : f with { Straggler = null, StragglerOutcome = null }).ToList();

    /// <summary>What the guest saw, for people: the first 16 bytes as quoted text when printable (poison is), else hex.</summary>
    [JsonIgnore]
    public string HeadText => Readable(Head);

    public override string ToString() =>
        $"round {Round} block {Block} offset {Offset}: {Bytes} B changed, reading {HeadText}" +
        (Straggler is { } s ? $" = straggler {s}" : PoisonId is { } id ? $" (poison of straggler #{id}, which never ran)" : " (no straggler's poison)");

    /// <summary>The first 16 bytes as quoted text when they are printable (poison is), else as hex.</summary>
    private static string Readable(string hex)
    {
        var head = hex[..Math.Min(32, hex.Length)];
        try
        {
            var bytes = Convert.FromHexString(head);
            return bytes.Length > 0 && bytes.All(b => b is >= 0x20 and < 0x7f) ? $"\"{System.Text.Encoding.ASCII.GetString(bytes)}\"" : head;
        }
        catch (FormatException)
        {
            return head;
        }
    }

    private static ulong? FindPoison(string hex)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }

        // The run may start a few bytes into a poison unit when its first bytes happened to equal the data.
        for (int i = 0; i + StragglerPoison.UnitLength <= bytes.Length; i++)
        {
            if (StragglerPoison.TryParseId(bytes.AsSpan(i), out var id))
            {
                return id;
            }
        }

        return null;
    }

    private static bool TryInt(IReadOnlyDictionary<string, string> fields, string key, out long value)
    {
        value = 0;
        return fields.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
