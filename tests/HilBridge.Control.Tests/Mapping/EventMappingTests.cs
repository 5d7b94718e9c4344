using HilBridge.Control.Mapping;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Tests.Mapping;

public class EventMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ToProto_Ack_CarriesStatusAndLatency()
    {
        var e = EventMapping.ToProto("hbdev", new EngineEffect { Kind = EffectKind.AckInvalidation, At = At, RequestId = 7, Status = 1, Latency = TimeSpan.FromMilliseconds(3) });

        Assert.Equal(Proto.EventKind.Ack, e.Kind);
        Assert.Equal((7ul, 1ul), (e.RequestId, e.Status));
        Assert.Equal(TimeSpan.FromMilliseconds(3), e.Latency.ToTimeSpan());
        Assert.Equal(At, e.At.ToDateTimeOffset());
        Assert.Equal("hbdev", e.Device);
    }

    [Fact]
    public void ToProto_Violation_CarriesAccessAndSource()
    {
        var violation = new UafViolation(0x100, 0x4000, 64, AccessKind.Write, 9, TimeSpan.FromMilliseconds(100), ViolationSource.Straggler, 12);

        var e = EventMapping.ToProto("hbdev", new EngineEffect { Kind = EffectKind.Violation, At = At, Violation = violation, RequestId = 12 });

        Assert.Equal(Proto.EventKind.Violation, e.Kind);
        Assert.Equal((0x4000ul, 64ul, 9ul), (e.Iova, e.Bytes, e.AtcEntry));
        Assert.Equal(Proto.AccessKind.Write, e.Access);
        Assert.Equal("straggler", e.Detail);
        Assert.Equal(TimeSpan.FromMilliseconds(100), e.AfterAck.ToTimeSpan());
    }

    [Fact]
    public void ToProto_Unfenced_CarriesReasonAndRecovery()
    {
        var e = EventMapping.ToProto("hbdev", new EngineEffect { Kind = EffectKind.Unfenced, At = At, Reason = "fresh attach", RecoveryTime = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(Proto.EventKind.Unfenced, e.Kind);
        Assert.Equal("fresh attach", e.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(300), e.Recovery.ToTimeSpan());
        Assert.Contains("unfenced", e.Text);
    }

    [Fact]
    public void ToProto_Straggler_CarriesItsIdAndStaleAddress()
    {
        var straggler = new StragglerAccess(12, 0x4000, 64, AccessKind.Write, 9, StragglerOutcome.Violation, 3, 0x7f00_0000_4000);

        var e = EventMapping.ToProto("hbdev", new EngineEffect { Kind = EffectKind.StragglerAccess, At = At, Straggler = straggler, RequestId = 12 });

        Assert.Equal((Proto.EventKind.Straggler, 3ul, 0x7f00_0000_4000ul, "violation"), (e.Kind, e.StragglerId, e.UserAddr, e.Detail));
    }

    [Fact]
    public void ToProto_GuestFinding_CarriesThePoisonIdAndTheStragglersOutcome()
    {
        var finding = new HilBridge.Scenarios.GuestFinding(1, 37, 0, 64, "", PoisonId: 3) { StragglerOutcome = StragglerOutcome.Violation, Straggler = "#3" };

        var e = EventMapping.ToProto("hbdev", finding, At);

        Assert.Equal((Proto.EventKind.GuestCorruption, 3ul, 64ul, "violation"), (e.Kind, e.StragglerId, e.Bytes, e.Detail));
        Assert.Contains("block 37", e.Text);
    }
}
