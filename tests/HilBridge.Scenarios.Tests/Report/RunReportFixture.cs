using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Scenarios.Report;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Scenarios.Tests.Report;

/// <summary>
/// A recorded run in miniature, fed to a <see cref="TimelineRecorder"/> as the engine would: three invalidations
/// (one delayed 20 ms, one timing out and fenced), a straggler that is a violation, a refused access, the
/// unfence after recovery, the host's measured latencies and two guest reports.
/// </summary>
internal static class RunReportFixture
{
    public static readonly DateTimeOffset Start = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);

    public static RunTimeline Timeline()
    {
        var clock = new FakeTimeProvider(Start);
        var t = new TimelineRecorder(Start, clock);
        DateTimeOffset At(double ms) => Start + TimeSpan.FromMilliseconds(ms);

        t.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, At(100), 0x1000, 0x1000, Id: 1), null);
        t.OnEffect(new EngineEffect { Kind = EffectKind.AckInvalidation, At = At(100), RequestId = 1 });
        t.OnAckMeasured(1, TimeSpan.FromMicroseconds(7));
        t.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, At(200), 0x2000, 0x1000, Id: 2), null);
        t.OnEffect(new EngineEffect { Kind = EffectKind.AckInvalidation, At = At(220), RequestId = 2, Latency = TimeSpan.FromMilliseconds(20) });
        t.OnAckMeasured(2, TimeSpan.FromMicroseconds(20_050));
        t.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, At(300), 0x3000, 0x1000, Id: 3), null);
        t.OnEffect(new EngineEffect { Kind = EffectKind.InvalidationTimedOut, At = At(1300), RequestId = 3 });
        t.OnEffect(new EngineEffect { Kind = EffectKind.Fenced, At = At(1300), Reason = "invalidation 3 timed out" });
        t.OnEffect(new EngineEffect { Kind = EffectKind.AckInvalidation, At = At(1300), RequestId = 3, Latency = TimeSpan.FromSeconds(1) });
        t.OnAckMeasured(3, TimeSpan.FromMicroseconds(1_000_100));
        t.OnEffect(new EngineEffect
        {
            Kind = EffectKind.StragglerAccess, At = At(1400), RequestId = 3,
            Straggler = new StragglerAccess(3, 0x3000, 64, AccessKind.Write, 9, StragglerOutcome.Violation, 1, 0x7000),
        });
        t.OnEffect(new EngineEffect
        {
            Kind = EffectKind.Violation, At = At(1400), RequestId = 3,
            Violation = new UafViolation(0x100, 0x3000, 64, AccessKind.Write, 9, TimeSpan.FromMilliseconds(100), ViolationSource.Straggler, 3),
        });
        t.OnInput(new EngineInput(EngineInputKind.BeginAccess, At(1500), 0x4000, Purpose: DmaPurpose.Payload), AccessResult.Fenced);
        t.OnInput(new EngineInput(EngineInputKind.SteInvalidated, At(2500), Id: 0x100), null);
        t.OnEffect(new EngineEffect { Kind = EffectKind.Unfenced, At = At(2500), Reason = "STE invalidated after reset", RecoveryTime = TimeSpan.FromSeconds(1.2) });
        clock.SetUtcNow(At(2600));
        t.OnGuest("round n=1 ok=0");
        clock.SetUtcNow(At(3000));
        t.OnGuest("corruption n=1 block=3");
        return t.Build();
    }

    public static RunSummary Summary() => new()
    {
        Scenario = "stragglers-<fence>",
        Outcome = RunOutcome.Failed,
        Reason = "1 expectation not met",
        DataVerified = false,
        Rounds = 2,
        RoundsVerified = 1,
        WallSeconds = 3.1,
        StreamId = 0x100,
        Bridge = new BridgeStatistics(),
        GuestWitnessRounds = 2,
        GuestCorruptions = 1,
        GuestFindings = [new GuestFinding(1, 3, 0, 64, "4842535452414733", 1) { Straggler = "#1 req=3 iova=0x3000 violation", StragglerOutcome = StragglerOutcome.Violation }],
        ViolationDetails = [new ViolationRecord("0x100", "0x3000", 64, "write", 100, "Straggler", 3)],
        Expectations =
        [
            new ExpectationResult("violations", "== 0", "1", false),
            new ExpectationResult("fences", ">= 1", "1", true),
        ],
    };
}
