using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>
/// One decoded record. A struct whose hot cases (inputs, effects) hold no references of their own, so
/// reading millions of them allocates nothing; only the fields of <see cref="Kind"/> are meaningful.
/// It is large (an input and an effect side by side), so the reader fills it in place (internal setters)
/// rather than copying it around.
/// </summary>
public struct TraceEntry
{
    public TraceRecordKind Kind { readonly get; internal set; }

    /// <summary>0-based position among the records after the header.</summary>
    public long Index { readonly get; internal set; }

    /// <summary>Byte offset of the record's frame in the file.</summary>
    public long Offset { readonly get; internal set; }

    /// <summary>The record's time (for inputs the engine clock it was applied at).</summary>
    public DateTimeOffset At { readonly get; internal set; }

    public EngineInput Input { readonly get => InputSlot; internal set => InputSlot = value; }

    /// <summary><see cref="Input"/> itself, for the replayer's loop to pass by reference (no copy of the input per use).</summary>
    internal EngineInput InputSlot;

    /// <summary>BeginAccess: the live result, when it was recorded.</summary>
    public AccessResult? Result { readonly get; internal set; }

    public EngineEffect Effect { readonly get => EffectSlot; internal set => EffectSlot = value; }

    /// <summary><see cref="Effect"/> itself, by reference, as <see cref="InputSlot"/>.</summary>
    internal EngineEffect EffectSlot;

    public SmmuRecord? Smmu { readonly get; internal set; }

    public GuestRecord? Guest { readonly get; internal set; }

    public RunEndRecord? RunEnd { readonly get; internal set; }

    public EndRecord? End { readonly get; internal set; }

    public AckMeasurement Measurement { readonly get; internal set; }

    /// <summary>Resets the fields a record of <paramref name="kind"/> sets (see <see cref="RecordCodec.DecodeInto"/>).</summary>
    internal void ClearFieldsOf(TraceRecordKind kind)
    {
        switch (kind)
        {
            case TraceRecordKind.Input: InputSlot = default; Result = null; break;
            case TraceRecordKind.Effect: EffectSlot = default; break;
            case TraceRecordKind.Smmu: Smmu = null; break;
            case TraceRecordKind.Guest: Guest = null; break;
            case TraceRecordKind.RunEnd: RunEnd = null; break;
            case TraceRecordKind.End: End = null; break;
            case TraceRecordKind.AckMeasured: Measurement = default; break;
        }
    }
}
