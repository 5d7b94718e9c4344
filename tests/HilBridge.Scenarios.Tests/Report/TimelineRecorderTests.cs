using HilBridge.Core.Engine;
using HilBridge.Scenarios.Report;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Scenarios.Tests.Report;

public class TimelineRecorderTests
{
    [Fact]
    public void Build_RecordedRun_KeepsEachInvalidationsAckDelayAndMeasurement()
    {
        var timeline = RunReportFixture.Timeline();

        Assert.Equal([1UL, 2UL, 3UL], timeline.Invalidations.Select(i => i.Id));
        var delayed = timeline.Invalidations[1];
        Assert.Equal(200_000, delayed.AtUs);
        Assert.Equal(220_000, delayed.AckUs);
        Assert.Equal(20_000, delayed.DelayUs);
        Assert.Equal(20_050, delayed.MeasuredUs);
        Assert.True(timeline.Invalidations[2].TimedOut);
        Assert.False(timeline.Invalidations[0].TimedOut);
    }

    [Fact]
    public void Build_FenceThenUnfence_IsOneClosedSpan()
    {
        var fence = Assert.Single(RunReportFixture.Timeline().Fences);

        Assert.Equal(1_300_000, fence.StartUs);
        Assert.Equal(2_500_000, fence.EndUs);
        Assert.Equal("STE invalidated after reset", fence.UnfenceReason);
    }

    [Fact]
    public void Build_Marks_CarryTheirInvalidationAndTime()
    {
        var marks = RunReportFixture.Timeline().Marks;

        Assert.Equal(
            ["timeout@1300000#3", "straggler@1400000#3", "violation@1400000#3", "refused@1500000#", "control@2500000#", "guest@2600000#", "guest@3000000#"],
            marks.Select(m => $"{m.Kind}@{m.AtUs}#{m.RequestId}"));
    }

    [Fact]
    public void Build_MeasuredLatencies_ArePowerOfTwoBucketsOfTheMeasurement()
    {
        var timeline = RunReportFixture.Timeline();

        Assert.Equal("measured", timeline.AckLatencySource);
        // 7 us in [4, 8), 20.05 ms in [16384, 32768), 1.0001 s in [524288, 1048576): every bucket between is drawn, empty.
        Assert.Equal(3, timeline.AckLatency.Sum(b => b.Count));
        Assert.Equal(4, timeline.AckLatency[0].FromUs);
        Assert.Equal(1, timeline.AckLatency[0].Count);
        Assert.Equal(1_048_576, timeline.AckLatency[^1].ToUs);
        Assert.Equal(1, timeline.AckLatency.Single(b => b.FromUs == 16_384).Count);
    }

    [Fact]
    public void Build_NoMeasurements_HistogramsTheEnginesDelay()
    {
        var start = RunReportFixture.Start;
        var t = new TimelineRecorder(start, new FakeTimeProvider(start));
        t.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, start, 0x1000, 0x1000, Id: 1), null);
        t.OnEffect(new EngineEffect { Kind = EffectKind.AckInvalidation, At = start + TimeSpan.FromMilliseconds(3), RequestId = 1, Latency = TimeSpan.FromMilliseconds(3) });

        var timeline = t.Build();

        Assert.Equal("engine", timeline.AckLatencySource);
        Assert.Equal(new LatencyBucket(2048, 4096, 1), Assert.Single(timeline.AckLatency));
    }

    [Fact]
    public void Build_PastTheCap_CountsInvalidationsWithoutKeepingThem()
    {
        var start = RunReportFixture.Start;
        var t = new TimelineRecorder(start, new FakeTimeProvider(start));
        for (ulong id = 1; id <= TimelineRecorder.MaxInvalidations + 5; id++)
        {
            t.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, start, 0x1000, 0x1000, Id: id), null);
        }

        var timeline = t.Build();

        Assert.Equal(TimelineRecorder.MaxInvalidations, timeline.Invalidations.Count);
        Assert.Equal(5, timeline.InvalidationsOmitted);
    }
}
