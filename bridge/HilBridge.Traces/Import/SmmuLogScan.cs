namespace HilBridge.Traces.Import;

/// <summary>
/// A first pass over the log: which StreamID is the device (the one with the most translations, else the
/// most CFGI_STEs) and when the log starts, both needed before the engine can be built.
/// </summary>
public sealed class SmmuLogScan
{
    private readonly Dictionary<uint, long> _translations = new();
    private readonly Dictionary<uint, long> _stes = new();
    private readonly Dictionary<uint, long> _atcInvalidations = new();

    public DateTimeOffset? First { get; private set; }

    public long Events { get; private set; }

    public void Add(DateTimeOffset? at, string name, IReadOnlyDictionary<string, string> fields)
    {
        Events++;
        if (at is { } t && First is null)
        {
            First = t;
        }

        switch (name)
        {
            case "smmuv3_translate_success" when SmmuFields.TryNumber(fields, "sid", out var sid):
                _translations[(uint)sid] = _translations.GetValueOrDefault((uint)sid) + 1;
                break;
            case "smmuv3_cmdq_cfgi_ste" when SmmuFields.TryNumber(fields, "streamid", out var sid):
                _stes[(uint)sid] = _stes.GetValueOrDefault((uint)sid) + 1;
                break;
            case "smmuv3_cmdq_atc_inv" when SmmuFields.TryNumber(fields, "sid", out var sid):
                _atcInvalidations[(uint)sid] = _atcInvalidations.GetValueOrDefault((uint)sid) + 1;
                break;
        }
    }

    /// <summary>Whether the log is from the patched SMMU with guest-visible ATS: the guest issued CMD_ATC_INV.</summary>
    public bool GuestVisibleAts => _atcInvalidations.Count > 0;

    /// <summary>The device's StreamID as far as the log tells, or null.</summary>
    public uint? StreamId =>
        _translations.Count > 0 ? _translations.MaxBy(p => p.Value).Key
        : _atcInvalidations.Count > 0 ? _atcInvalidations.MaxBy(p => p.Value).Key
        : _stes.Count > 0 ? _stes.MaxBy(p => p.Value).Key
        : null;
}
