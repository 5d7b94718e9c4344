using HilBridge.Traces.Import;

namespace HilBridge.Live.Qemu;

/// <summary>Counts of the guest's SMMU command stream as seen through the trace tap.</summary>
public sealed class SmmuCommandStream
{
    private readonly Dictionary<string, long> _opcodes = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public long Lines { get; private set; }
    public long RangeInvalidations { get; private set; }
    public long SteInvalidations { get; private set; }

    /// <summary>Raised for every CFGI_STE (and each StreamID a CFGI_STE_RANGE covers up to 256 ids).</summary>
    public event Action<uint>? SteInvalidated;

    public IReadOnlyDictionary<string, long> OpcodeCounts
    {
        get { lock (_gate)
            {
                return new Dictionary<string, long>(_opcodes);
            }
        }
    }

    public void Apply(SmmuTraceEvent e)
    {
        lock (_gate)
        {
            Lines++;
            if (e.Opcode is { } op)
            {
                _opcodes[op] = _opcodes.GetValueOrDefault(op) + 1;
            }
        }
        switch (e.Name)
        {
            case "smmuv3_s1_range_inval" or "smmuv3_range_inval":
                RangeInvalidations++;
                break;
            case "smmuv3_cmdq_cfgi_ste" when e.TryGetNumber("streamid", out var sid):
                SteInvalidations++;
                SteInvalidated?.Invoke((uint)sid);
                break;
            case "smmuv3_cmdq_cfgi_ste_range" when e.TryGetNumber("start", out var start) && e.TryGetNumber("end", out var end):
                SteInvalidations++;
                for (var id = start; id <= end && id - start < 256; id++)
                {
                    SteInvalidated?.Invoke((uint)id);
                }

                break;
        }
    }
}
