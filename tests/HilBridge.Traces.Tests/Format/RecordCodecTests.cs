using Google.Protobuf;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Format;

public class RecordCodecTests
{
    private static readonly DateTimeOffset At = TestTraces.Start.AddTicks(1234567);

    public static TheoryData<EngineInput, AccessResult?> Inputs => new()
    {
        { new EngineInput(EngineInputKind.IotlbUpdate, At, 0xffff_f000, 0x1000, 0x7f12_3456_7000, AccessKind.ReadWrite), null },
        { new EngineInput(EngineInputKind.IotlbInvalidate, At, 0, 0, Id: ulong.MaxValue), null },
        { new EngineInput(EngineInputKind.BeginAccess, At, ulong.MaxValue, 4096, Access: AccessKind.Write, Purpose: DmaPurpose.Payload), AccessResult.Hit },
        { new EngineInput(EngineInputKind.BeginAccess, At, 0x1000, 0, Access: AccessKind.Read), AccessResult.Fenced },
        { new EngineInput(EngineInputKind.BeginAccess, At, 0x1000, 0, Access: AccessKind.Read), null },
        { new EngineInput(EngineInputKind.EndAccess, At, Id: 17), null },
        { new EngineInput(EngineInputKind.DeviceStopped, At), null },
        { new EngineInput(EngineInputKind.DeviceStarted, At), null },
        { new EngineInput(EngineInputKind.SteInvalidated, At, Id: 0x100), null },
        { new EngineInput(EngineInputKind.Timer, At), null },
        { new EngineInput(EngineInputKind.Fence, At, Reason: "manual fence ü"), null },
        { new EngineInput(EngineInputKind.Fence, At, Id: (ulong)FenceOrigin.GuestQuarantine, Reason: "STE 0x100 refuses translated requests (guest quarantine: config Translate, EATS 0)"), null },
        { new EngineInput(EngineInputKind.Unfence, At, Reason: "operator"), null },
        { new EngineInput(EngineInputKind.SetStreamId, At, Id: 0x100), null },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EncodeInput_AnyKind_DecodesToTheSameInput(EngineInput input, AccessResult? result)
    {
        var payload = EncodeInput(input, result);
        long last = TestTraces.Start.UtcTicks;

        var entry = RecordCodec.Decode(payload, ref last, 5, 99);

        Assert.Equal(TraceRecordKind.Input, entry.Kind);
        Assert.Equal(input, entry.Input);
        Assert.Equal(result, entry.Result);
        Assert.Equal(At, entry.At);
        Assert.Equal(At.UtcTicks, last);
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_WindowGoesOnPastThePayload_SameEntry(EngineInput input, AccessResult? result)
    {
        // The trace reader decodes in place, in a window that runs on into the checksum and the next frames.
        var payload = EncodeInput(input, result);
        byte[] window = [.. payload, .. Enumerable.Repeat((byte)0xFF, 32)];
        long alone = TestTraces.Start.UtcTicks, inWindow = alone;

        var expected = RecordCodec.Decode(payload, ref alone, 5, 99);
        RecordCodec.Decode(window, payload.Length, ref inWindow, 5, 99, out var actual);

        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.Result, actual.Result);
        Assert.Equal(alone, inWindow);
    }

    [Fact]
    public void DecodeInput_FieldsOutOfOrderAndRepeated_LastOneWinsAsInProtobuf()
    {
        // Another writer's order: result, id, then kind twice (3, then 4) and iova twice; the codec reads the
        // writer's own order without dispatching on field numbers, and must still read this one as protobuf does.
        byte[] body = [0x50, 0x01, 0x38, 0x07, 0x08, 0x03, 0x10, 0x80, 0x20, 0x08, 0x04, 0x10, 0x90, 0x20, 0x28, 0x01];
        byte[] payload = [0x0A, (byte)body.Length, .. body];
        long last = 0;

        var entry = RecordCodec.Decode(payload, ref last, 0, 0);

        var parsed = TraceRecord.Parser.ParseFrom(payload).Input;
        Assert.Equal(4U, parsed.Kind);
        Assert.Equal(new EngineInput(EngineInputKind.EndAccess, new DateTimeOffset(0, TimeSpan.Zero), parsed.Iova, Access: AccessKind.Read, Id: 7), entry.Input);
        Assert.Equal(0x1010UL, entry.Input.Iova);
        Assert.Equal(AccessResult.Hit, entry.Result);
    }

    [Fact]
    public void DecodeEffect_FieldsOutOfOrderAndRepeated_LastOneWinsAsInProtobuf()
    {
        // An acknowledgement with its latency first, then request id 1, its kind, and request id 9.
        byte[] body = [0x20, 0x32, 0x10, 0x01, 0x08, 0x01, 0x10, 0x09];
        byte[] payload = [0x12, (byte)body.Length, .. body];
        long last = 0;

        var effect = RecordCodec.Decode(payload, ref last, 0, 0).Effect;

        var parsed = TraceRecord.Parser.ParseFrom(payload).Effect;
        Assert.Equal(9UL, parsed.RequestId);
        Assert.Equal(EffectKind.AckInvalidation, effect.Kind);
        Assert.Equal(9UL, effect.RequestId);
        Assert.Equal(TimeSpan.FromTicks(50), effect.Latency);
    }

    [Theory]
    [InlineData("STE 0x100 refuses translated requests (config Translate, EATS 0)", FenceOrigin.GuestQuarantine)]
    [InlineData("STE 0x100 refuses translated requests (config Abort, EATS 1)", FenceOrigin.GuestBlock)]
    [InlineData("STE 0x100 refuses translated requests (config Invalid, EATS 0)", FenceOrigin.GuestBlock)]
    [InlineData("operator says STE 0x100", FenceOrigin.Operator)]
    public void DecodeInput_FenceRecordedBeforeOrigins_OriginReadFromTheStesReason(string reason, FenceOrigin expected)
    {
        // Traces before fence origins recorded every fence with id 0; the guest's STE fences had this reason.
        var payload = EncodeInput(new EngineInput(EngineInputKind.Fence, At, Reason: reason), null);
        long last = TestTraces.Start.UtcTicks;

        var entry = RecordCodec.Decode(payload, ref last, 5, 99);

        Assert.Equal(expected, (FenceOrigin)entry.Input.Id);
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EncodeInput_AnyKind_ParsesWithTheGeneratedCode(EngineInput input, AccessResult? result)
    {
        var record = TraceRecord.Parser.ParseFrom(EncodeInput(input, result));

        Assert.Equal(TraceRecord.BodyOneofCase.Input, record.BodyCase);
        Assert.Equal(1234567, record.DtTicks);
        Assert.Equal((uint)input.Kind, record.Input.Kind);
        Assert.Equal(input.Iova, record.Input.Iova);
        Assert.Equal(input.Size, record.Input.Size);
        Assert.Equal(input.UserAddr, record.Input.UserAddr);
        Assert.Equal((uint)input.Access, record.Input.Access);
        Assert.Equal((uint)input.Purpose, record.Input.Purpose);
        Assert.Equal(input.Id, record.Input.Id);
        Assert.Equal(input.Reason ?? "", record.Input.Reason);
        Assert.Equal(result is { } r ? (uint)r + 1 : 0, record.Input.Result);
    }

    [Fact]
    public void DecodeInput_WrittenByGeneratedCode_ReadsTheSameFields()
    {
        var record = new TraceRecord
        {
            DtTicks = -5,
            Input = new InputRecord { Kind = 3, Iova = 0xabc000, Size = 64, Access = 2, Purpose = 1, Result = 2 },
        };
        long last = 100;

        var entry = RecordCodec.Decode(record.ToByteArray(), ref last, 0, 0);

        Assert.Equal(new EngineInput(EngineInputKind.BeginAccess, new DateTimeOffset(95, TimeSpan.Zero), 0xabc000, 64,
            Access: AccessKind.Write, Purpose: DmaPurpose.Payload), entry.Input);
        Assert.Equal(AccessResult.Miss, entry.Result);
    }

    [Fact]
    public void EncodeInput_SetPolicy_KeepsEveryRuleField()
    {
        var policy = new FaultPolicy(
            new FaultRule
            {
                Name = "r1", StreamId = 0x100, Iova = new Core.Atc.IovaRange(0x1000, 0x1fff), From = TimeSpan.FromSeconds(1),
                Until = TimeSpan.FromSeconds(9), EveryNth = 3, Probability = 0.25, Limit = 4, Outcome = FaultOutcome.Refuse,
                Delay = Distribution.LogNormal(-6, 0.5), Stragglers = new StragglerSpec(2, Distribution.Uniform(0.1, 0.2), AccessKind.Read, 128),
            },
            new FaultRule { Outcome = FaultOutcome.Drop, Delay = Distribution.Exponential(0.003) });
        var input = new EngineInput(EngineInputKind.SetPolicy, At, Policy: policy);
        long last = TestTraces.Start.UtcTicks;

        var decoded = RecordCodec.Decode(EncodeInput(input, null), ref last, 0, 0).Input.Policy!;

        Assert.Equal(policy.Rules, decoded.Rules);
    }

    private static readonly Lazy<TheoryData<EngineEffect>> RealEffects = new(CollectEffects);

    public static TheoryData<EngineEffect> Effects() => RealEffects.Value;

    private static TheoryData<EngineEffect> CollectEffects()
    {
        // Real effects of every kind, from engines that fence and that hope.
        var data = new TheoryData<EngineEffect>();
        var seen = new HashSet<(EffectKind, StragglerOutcome, int)>();
        foreach (var fence in new[] { FencePolicy.Fence, FencePolicy.Hope })
        {
            var trace = TestTraces.Synthetic(75_000, TestTraces.Options(fence: fence));
            var entries = TestTraces.ReadAll(trace, out var reader);
            foreach (var e in entries.Where(e => e.Kind == TraceRecordKind.Effect))
            {
                var key = (e.Effect.Kind, e.Effect.Straggler.Outcome, e.Effect.Violation.StreamId is null ? 0 : 1);
                if (seen.Add(key))
                {
                    data.Add(e.Effect);
                }
            }

            reader.Dispose();
        }

        return data;
    }

    [Fact]
    public void Effects_FromFencingAndHopingEngines_CoverEveryKind()
    {
        var kinds = ((IEnumerable<object[]>)Effects()).Select(row => ((EngineEffect)row[0]).Kind).ToHashSet();

        Assert.Equal(Enum.GetValues<EffectKind>().ToHashSet(), kinds);
    }

    [Theory]
    [MemberData(nameof(Effects))]
    public void EncodeEffect_AnyKind_DecodesToAnEqualEffect(EngineEffect effect)
    {
        var buffer = new byte[512];
        var w = new WireWriter(buffer, 0);
        RecordCodec.EncodeEffect(ref w, 42, effect);
        long last = effect.At.UtcTicks - 42;

        var entry = RecordCodec.Decode(buffer.AsSpan(0, w.Position), ref last, 0, 0);

        Assert.Equal(effect, entry.Effect);
    }

    [Fact]
    public void EncodeEffect_Violation_ParsesWithTheGeneratedCode()
    {
        var effect = new EngineEffect
        {
            Kind = EffectKind.Violation,
            At = At,
            RequestId = 9,
            Violation = new UafViolation(0x100, 0x5000, 64, AccessKind.Write, 77, TimeSpan.FromMilliseconds(100), ViolationSource.Straggler, 9),
        };
        var buffer = new byte[512];
        var w = new WireWriter(buffer, 0);
        RecordCodec.EncodeEffect(ref w, 1, effect);

        var record = TraceRecord.Parser.ParseFrom(buffer.AsSpan(0, w.Position));

        Assert.Equal((uint)EffectKind.Violation + 1, record.Effect.Kind);
        Assert.Equal(9UL, record.Effect.RequestId);
        Assert.Equal(0x100U, record.Effect.StreamId);
        Assert.True(record.Effect.HasStreamId);
        Assert.Equal(0x5000UL, record.Effect.Iova);
        Assert.Equal(TimeSpan.FromMilliseconds(100).Ticks, record.Effect.SinceAckTicks);
        Assert.Equal((uint)ViolationSource.Straggler + 1, record.Effect.Source);
    }

    [Fact]
    public void Decode_UnknownFieldsAndRecordKinds_AreSkippedAndTheClockKept()
    {
        // A newer writer: an extra field in the input, and a record kind (field 8) this reader does not know.
        var input = new TraceRecord { DtTicks = 10, Input = new InputRecord { Kind = 8 } }.ToByteArray()
            .Concat(new byte[] { 0xA0, 0x06, 0x01 }) // field 100, varint 1
            .ToArray();
        var unknown = new byte[] { 0x78, 0x28, 0x42, 0x01, 0x00 }; // dt=+20 (zigzag 40), field 8 = {0x00}
        long last = 0;

        var first = RecordCodec.Decode(input, ref last, 0, 0);
        var second = RecordCodec.Decode(unknown, ref last, 1, 0);

        Assert.Equal(EngineInputKind.Timer, first.Input.Kind);
        Assert.Equal((TraceRecordKind)0, second.Kind);
        Assert.Equal(30, last);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x08 })]                 // input body length runs past the end
    [InlineData(new byte[] { 0x0A, 0x02, 0x08, 0x63 })]           // input kind 99
    [InlineData(new byte[] { 0x0A, 0x02, 0x0A, 0x00 })]           // kind with the wrong wire type
    [InlineData(new byte[] { 0x78, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // varint too long
    [InlineData(new byte[] { 0x12, 0x02, 0x08, 0x09 })]           // effect kind 9
    public void Decode_MalformedPayload_ThrowsInvalidData(byte[] payload)
    {
        long last = 0;

        Assert.Throws<InvalidDataException>(() => RecordCodec.Decode(payload, ref last, 0, 0));
    }

    private static byte[] EncodeInput(EngineInput input, AccessResult? result)
    {
        var buffer = new byte[4096];
        var w = new WireWriter(buffer, 0);
        var policy = input.Policy is { } p ? OptionsCodec.ToMessage(p).ToByteArray() : null;
        RecordCodec.EncodeInput(ref w, At.UtcTicks - TestTraces.Start.UtcTicks, input, result, policy);
        return buffer.AsSpan(0, w.Position).ToArray();
    }
}
