using Google.Protobuf;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>
/// The hot records (TraceRecord with InputRecord or EffectRecord, protos/trace.proto) encoded and decoded
/// by hand: no message objects, no allocation except for the rare strings and policies. The rare record
/// kinds go through the generated classes. Tests check both directions against the generated code.
/// </summary>
internal static class RecordCodec
{
    // TraceRecord fields.
    private const int DtField = 15;

    /// <summary>Upper bound of an encoded input frame, so the writer can make room before encoding.</summary>
    public static int InputBound(in EngineInput input, int policyBytes) =>
        160 + 3 * (input.Reason?.Length ?? 0) + policyBytes;

    public static int EffectBound(in EngineEffect effect) => 220 + 3 * (effect.Reason?.Length ?? 0);

    public static void EncodeInput(ref WireWriter w, long dtTicks, in EngineInput input, AccessResult? result, ReadOnlySpan<byte> policy)
    {
        w.SInt(DtField, dtTicks);
        w.Tag((int)TraceRecordKind.Input, WireType.LengthDelimited);
        int body = w.BeginMessage();
        w.UInt(1, (ulong)input.Kind);
        w.UInt(2, input.Iova);
        w.UInt(3, input.Size);
        w.UInt(4, input.UserAddr);
        w.UInt(5, (ulong)input.Access);
        w.UInt(6, (ulong)input.Purpose);
        w.UInt(7, input.Id);
        w.String(8, input.Reason);
        if (input.Policy is not null)
        {
            w.Bytes(9, policy);
        }

        if (result is AccessResult r)
        {
            w.UInt(10, (ulong)r + 1);
        }

        w.EndMessage(body);
    }

    public static void EncodeEffect(ref WireWriter w, long dtTicks, in EngineEffect e)
    {
        w.SInt(DtField, dtTicks);
        w.Tag((int)TraceRecordKind.Effect, WireType.LengthDelimited);
        int body = w.BeginMessage();
        w.UInt(1, (ulong)e.Kind + 1);
        w.UInt(2, e.RequestId);
        w.UInt(3, e.Status);
        w.Int(4, e.Latency.Ticks);
        w.String(5, e.Reason);
        w.Int(6, e.RecoveryTime.Ticks);
        switch (e.Kind)
        {
            case EffectKind.Violation:
                var v = e.Violation;
                w.UInt(7, v.Iova);
                w.UInt(8, v.Bytes);
                w.UInt(9, (ulong)v.Kind);
                w.UInt(10, v.EntryId);
                w.Int(11, v.TimeSinceAck.Ticks);
                w.UInt(12, (ulong)v.Source + 1);
                if (v.StreamId is uint sid)
                {
                    w.OptionalUInt(13, sid);
                }

                break;
            case EffectKind.StragglerAccess:
                var s = e.Straggler;
                w.UInt(7, s.Iova);
                w.UInt(8, s.Bytes);
                w.UInt(9, (ulong)s.Kind);
                w.UInt(10, s.EntryId);
                w.UInt(14, (ulong)s.Outcome + 1);
                w.UInt(15, s.Id);
                w.UInt(16, s.UserAddr);
                break;
        }

        w.EndMessage(body);
    }

    public const int AckMeasuredBound = 40;

    /// <summary>One per acknowledgement: encoded by hand like the effects it follows.</summary>
    public static void EncodeAckMeasured(ref WireWriter w, long dtTicks, in AckMeasurement m)
    {
        w.SInt(DtField, dtTicks);
        w.Tag((int)TraceRecordKind.AckMeasured, WireType.LengthDelimited);
        int body = w.BeginMessage();
        w.UInt(1, m.RequestId);
        w.Int(2, m.Latency.Ticks);
        w.EndMessage(body);
    }

    /// <summary>Encodes a rare record through the generated classes (allocates; fine for a few per run).</summary>
    public static byte[] EncodeMessage(long dtTicks, TraceRecord record)
    {
        record.DtTicks = dtTicks;
        return record.ToByteArray();
    }

    /// <summary>Decodes one TraceRecord payload into <paramref name="entry"/>. <paramref name="lastTicks"/> is the previous record's time and is advanced.</summary>
    /// <exception cref="InvalidDataException">Malformed payload.</exception>
    public static void Decode(ReadOnlySpan<byte> payload, ref long lastTicks, long index, long offset, out TraceEntry entry) =>
        Decode(payload, payload.Length, ref lastTicks, index, offset, out entry);

    /// <summary>
    /// Decodes the payload <c>window[..length]</c>; the window may go on past it (the trace reader's buffer), which
    /// lets varints be read 8 bytes at a time (see <see cref="WireReader"/>). Nothing past the payload is decoded.
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed payload.</exception>
    public static void Decode(ReadOnlySpan<byte> window, int length, ref long lastTicks, long index, long offset, out TraceEntry entry)
    {
        entry = default;
        DecodeInto(window, length, ref lastTicks, index, offset, ref entry);
    }

    /// <summary>
    /// <see cref="Decode(ReadOnlySpan{byte}, int, ref long, long, long, out TraceEntry)"/> without clearing
    /// <paramref name="entry"/> first: it sets Kind, Index, Offset, At and every field of the record's kind,
    /// and leaves the other kinds' fields as they were.
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed payload.</exception>
    public static void DecodeInto(ReadOnlySpan<byte> window, int length, ref long lastTicks, long index, long offset, ref TraceEntry entry)
    {
        var r = new WireReader(window, length);
        long dt = 0;
        TraceRecordKind kind = 0;
        WireReader body = default;
        while (r.TryTag(out int field, out var type))
        {
            if (field == DtField)
            {
                r.Expect(type, WireType.Varint, field);
                dt = r.SInt();
            }
            else if (field is >= 1 and <= 7)
            {
                r.Expect(type, WireType.LengthDelimited, field);
                kind = (TraceRecordKind)field; // a oneof: the last one wins, as in protobuf
                body = r.LengthDelimitedReader();
            }
            else
            {
                r.Skip(type);
            }
        }

        long ticks = lastTicks + dt;
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new InvalidDataException($"time {ticks} ticks is out of range");
        }

        lastTicks = ticks;
        var at = new DateTimeOffset(ticks, TimeSpan.Zero);
        entry.Kind = kind;
        entry.Index = index;
        entry.Offset = offset;
        entry.At = at;
        switch (kind)
        {
            case TraceRecordKind.Input: DecodeInput(ref body, ref entry); break;
            case TraceRecordKind.Effect: DecodeEffect(ref body, ref entry); break;
            case TraceRecordKind.Smmu: entry.Smmu = Parse(SmmuRecord.Parser, body.Rest()); break;
            case TraceRecordKind.Guest: entry.Guest = Parse(GuestRecord.Parser, body.Rest()); break;
            case TraceRecordKind.RunEnd: entry.RunEnd = Parse(RunEndRecord.Parser, body.Rest()); break;
            case TraceRecordKind.End: entry.End = Parse(EndRecord.Parser, body.Rest()); break;
            case TraceRecordKind.AckMeasured: entry.Measurement = DecodeAckMeasured(ref body); break;
            default: break; // a kind from a newer writer: the caller skips it, the clock is kept
        }
    }

    /// <summary>Convenience overload for tests and tools.</summary>
    public static TraceEntry Decode(ReadOnlySpan<byte> payload, ref long lastTicks, long index, long offset)
    {
        Decode(payload, ref lastTicks, index, offset, out var entry);
        return entry;
    }

    private static AckMeasurement DecodeAckMeasured(ref WireReader r)
    {
        ulong id = 0, ticks = 0;
        while (r.TryTag(out int field, out var type))
        {
            switch (field)
            {
                case 1: r.Expect(type, WireType.Varint, field); id = r.Varint(); break;
                case 2: r.Expect(type, WireType.Varint, field); ticks = r.Varint(); break;
                default: r.Skip(type); break;
            }
        }

        return new AckMeasurement(id, TimeSpan.FromTicks(unchecked((long)ticks)));
    }

    private static void DecodeInput(ref WireReader r, ref TraceEntry entry)
    {
        ulong kind = 0, iova = 0, size = 0, uaddr = 0, access = 0, purpose = 0, id = 0, result = 0;
        string? reason = null;
        FaultPolicy? policy = null;

        // The fields in the order EncodeInput writes them (zeros are left out), each taken if it comes next:
        // no dispatch on the field number. Whatever follows (a reason, a policy, another writer's order,
        // fields this reader does not know) goes through the loop below, in the order of the bytes.
        r.TryVarintField(1 << 3, ref kind);
        r.TryVarintField(2 << 3, ref iova);
        r.TryVarintField(3 << 3, ref size);
        r.TryVarintField(4 << 3, ref uaddr);
        r.TryVarintField(5 << 3, ref access);
        r.TryVarintField(6 << 3, ref purpose);
        r.TryVarintField(7 << 3, ref id);
        r.TryVarintField(10 << 3, ref result);
        while (r.TryTag(out int field, out var type))
        {
            switch (field)
            {
                case 1: r.Expect(type, WireType.Varint, field); kind = r.Varint(); break;
                case 2: r.Expect(type, WireType.Varint, field); iova = r.Varint(); break;
                case 3: r.Expect(type, WireType.Varint, field); size = r.Varint(); break;
                case 4: r.Expect(type, WireType.Varint, field); uaddr = r.Varint(); break;
                case 5: r.Expect(type, WireType.Varint, field); access = r.Varint(); break;
                case 6: r.Expect(type, WireType.Varint, field); purpose = r.Varint(); break;
                case 7: r.Expect(type, WireType.Varint, field); id = r.Varint(); break;
                case 8: r.Expect(type, WireType.LengthDelimited, field); reason = r.String(); break;
                case 9:
                    r.Expect(type, WireType.LengthDelimited, field);
                    policy = DecodePolicy(r.LengthDelimited());
                    break;
                case 10: r.Expect(type, WireType.Varint, field); result = r.Varint(); break;
                default: r.Skip(type); break;
            }
        }

        if (kind is < 1 or > 12)
        {
            throw new InvalidDataException($"unknown engine input kind {kind}");
        }

        if (access > 3 || purpose > 1 || result > 4)
        {
            throw new InvalidDataException($"input field out of range (access {access}, purpose {purpose}, result {result})");
        }

        if ((EngineInputKind)kind == EngineInputKind.SetPolicy)
        {
            policy ??= FaultPolicy.None;
        }

        if ((EngineInputKind)kind == EngineInputKind.Fence && id == 0)
        {
            id = (ulong)RecordedFenceOrigin(reason);
        }

        entry.InputSlot = new EngineInput((EngineInputKind)kind, entry.At, iova, size, uaddr, (AccessKind)access, (DmaPurpose)purpose, id,
            string.IsNullOrEmpty(reason) ? null : reason, policy);
        entry.Result = result == 0 ? null : (AccessResult)(result - 1);
    }

    /// <summary>
    /// A fence input recorded before fence origins (id 0) was the control plane's, or the guest's STE under
    /// guest-visible ATS, whose reason always read "STE 0x... refuses translated requests (config C, ...)".
    /// </summary>
    private static FenceOrigin RecordedFenceOrigin(string? reason) =>
        reason is null || !reason.StartsWith("STE 0x", StringComparison.Ordinal) || !reason.Contains(" refuses translated requests", StringComparison.Ordinal)
            ? FenceOrigin.Operator
            : reason.Contains("config Translate", StringComparison.Ordinal) ? FenceOrigin.GuestQuarantine : FenceOrigin.GuestBlock;

    private static FaultPolicy DecodePolicy(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return OptionsCodec.ToPolicy(FaultPolicyMessage.Parser.ParseFrom(bytes));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or TraceFormatException)
        {
            throw new InvalidDataException("SetPolicy input: " + ex.Message, ex);
        }
    }

    private static void DecodeEffect(ref WireReader r, ref TraceEntry entry)
    {
        ulong kind = 0, requestId = 0, status = 0, iova = 0, bytes = 0, access = 0, entryId = 0, source = 0, outcome = 0, stragglerId = 0, userAddr = 0;
        ulong latency = 0, recovery = 0, sinceAck = 0;
        uint? streamId = null;
        string? reason = null;

        // As in DecodeInput: the order EncodeEffect writes, as far as an acknowledgement or a timeout goes.
        r.TryVarintField(1 << 3, ref kind);
        r.TryVarintField(2 << 3, ref requestId);
        r.TryVarintField(3 << 3, ref status);
        r.TryVarintField(4 << 3, ref latency);
        while (r.TryTag(out int field, out var type))
        {
            if (field == 5)
            {
                r.Expect(type, WireType.LengthDelimited, field);
                reason = r.String();
                continue;
            }

            if (field is < 1 or > 16)
            {
                r.Skip(type);
                continue;
            }

            r.Expect(type, WireType.Varint, field);
            ulong v = r.Varint();
            switch (field)
            {
                case 1: kind = v; break;
                case 2: requestId = v; break;
                case 3: status = v; break;
                case 4: latency = v; break;
                case 6: recovery = v; break;
                case 7: iova = v; break;
                case 8: bytes = v; break;
                case 9: access = v; break;
                case 10: entryId = v; break;
                case 11: sinceAck = v; break;
                case 12: source = v; break;
                case 13: streamId = (uint)v; break;
                case 14: outcome = v; break;
                case 15: stragglerId = v; break;
                case 16: userAddr = v; break;
            }
        }

        if (kind is < 1 or > 6 || access > 3 || source > 2 || outcome > 3)
        {
            throw new InvalidDataException($"effect field out of range (kind {kind}, access {access}, source {source}, outcome {outcome})");
        }

        var at = entry.At;
        var effectKind = (EffectKind)(kind - 1);
        entry.EffectSlot = effectKind switch
        {
            EffectKind.AckInvalidation => new EngineEffect
            {
                Kind = effectKind, At = at, RequestId = requestId, Status = status, Latency = TimeSpan.FromTicks((long)latency),
            },
            EffectKind.InvalidationTimedOut => new EngineEffect { Kind = effectKind, At = at, RequestId = requestId },
            EffectKind.Fenced => new EngineEffect { Kind = effectKind, At = at, Reason = reason },
            EffectKind.Unfenced => new EngineEffect { Kind = effectKind, At = at, Reason = reason, RecoveryTime = TimeSpan.FromTicks((long)recovery) },
            EffectKind.Violation => new EngineEffect
            {
                Kind = effectKind,
                At = at,
                RequestId = requestId,
                Violation = new UafViolation(streamId, iova, bytes, (AccessKind)access, entryId, TimeSpan.FromTicks((long)sinceAck),
                    (ViolationSource)(source == 0 ? 0 : source - 1), requestId),
            },
            EffectKind.StragglerAccess => new EngineEffect
            {
                Kind = effectKind,
                At = at,
                RequestId = requestId,
                Straggler = new StragglerAccess(requestId, iova, bytes, (AccessKind)access, entryId,
                    (StragglerOutcome)(outcome == 0 ? 0 : outcome - 1), stragglerId, userAddr),
            },
            _ => new EngineEffect { Kind = effectKind, At = at },
        };
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> body) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }
}
