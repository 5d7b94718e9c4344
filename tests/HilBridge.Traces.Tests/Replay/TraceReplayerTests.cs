using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Replay;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Replay;

public class TraceReplayerTests
{
    [Theory]
    [InlineData(FencePolicy.Fence)]
    [InlineData(FencePolicy.Hope)]
    public void Run_RecordedPolicy_ReproducesEveryDecision(FencePolicy fence)
    {
        var bytes = TestTraces.Synthetic(45_000, TestTraces.Options(fence: fence));
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader);

        Assert.Null(result.Mismatch);
        Assert.True(result.Reproduced);
        Assert.Equal(result.Recorded.Effects, result.Replayed.Effects);
        Assert.Equal(result.Recorded.Inputs, result.Replayed.Inputs);
        Assert.True(result.Recorded.Fences + result.Recorded.Violations > 0, "the trace should contain faults");
    }

    [Fact]
    public void Run_RecordedEffectAltered_ReportsTheFirstMismatchPrecisely()
    {
        var (bytes, index, original) = Rewrite(TestTraces.Synthetic(5_000), (e, n) =>
            e.Kind == TraceRecordKind.Effect && e.Effect.Kind == EffectKind.AckInvalidation && n == 1000
                ? e with { Effect = e.Effect with { Status = 7 } }
                : null);
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader);

        var m = Assert.IsType<ReplayMismatch>(result.Mismatch);
        Assert.False(result.Reproduced);
        Assert.Equal(index, m.RecordIndex);
        Assert.Equal("effect differs", m.What);
        Assert.Contains($"ack req={original.Effect.RequestId} status=7", m.Expected);
        Assert.Contains($"ack req={original.Effect.RequestId} status=0", m.Actual);
        Assert.Equal(index - 1, m.LastInputIndex);
        Assert.Contains("IotlbInvalidate", m.LastInput);
        Assert.Contains($"#{index}", m.ToString());
    }

    [Fact]
    public void Run_RecordedAccessResultAltered_ReportsTheResultMismatch()
    {
        int misses = 0;
        var (bytes, index, _) = Rewrite(TestTraces.Synthetic(2_000), (e, n) =>
            e.Kind == TraceRecordKind.Input && e.Result == AccessResult.Miss && ++misses == 500 ? e with { Result = AccessResult.Hit } : null);
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader);

        var m = Assert.IsType<ReplayMismatch>(result.Mismatch);
        Assert.Equal(index, m.RecordIndex);
        Assert.Equal("BeginAccess result differs", m.What);
        Assert.Equal("Hit", m.Expected);
        Assert.Equal("Miss", m.Actual);
    }

    [Fact]
    public void Run_RecordedEffectMissing_ReportsTheEffectTheReplayProduced()
    {
        var (bytes, index, original) = Rewrite(TestTraces.Synthetic(2_000), (e, n) =>
            e.Kind == TraceRecordKind.Effect && n == 300 ? default(TraceEntry) : null);
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader);

        var m = Assert.IsType<ReplayMismatch>(result.Mismatch);
        Assert.Equal(index, m.RecordIndex);
        Assert.Contains("does not have", m.What);
        Assert.Contains($"req={original.Effect.RequestId}", m.Actual);
    }

    [Fact]
    public void Run_DifferentSeedInHeader_DivergesWhereTheFirstRandomDelayDiffers()
    {
        var bytes = TestTraces.Synthetic(3_000);
        var tampered = ReplaceHeader(bytes, h => h.Engine.Seed = 8);
        using var reader = new TraceReader(new MemoryStream(tampered));

        var result = TraceReplayer.Run(reader);

        // The seed draws the "slow" rule's probability and delays: some ack comes at another time, or not at all.
        Assert.NotNull(result.Mismatch);
        Assert.Contains("effect", result.Mismatch!.What);
    }

    [Fact]
    public void Run_TruncatedTrace_ReplaysTheWholeRecordsAndSaysSo()
    {
        var bytes = TestTraces.Synthetic(2_000);
        var cut = bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray();
        using var reader = new TraceReader(new MemoryStream(cut));

        var result = TraceReplayer.Run(reader);

        Assert.Null(result.Mismatch);
        Assert.False(result.Reproduced);
        Assert.Equal(TraceReadStatus.Truncated, result.ReadStatus);
        Assert.Contains("cut short", result.ReadProblem);
        Assert.True(result.Records > 1000);
    }

    [Fact]
    public void Run_WhatIfHopeOnAFencingRecording_TradesFencesForViolations()
    {
        var bytes = TestTraces.Synthetic(45_000, TestTraces.Options(fence: FencePolicy.Fence));
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader, new ReplayOptions { FencePolicy = FencePolicy.Hope });

        Assert.True(result.IsWhatIf);
        Assert.Null(result.Mismatch);
        Assert.True(result.Recorded.Fences >= 1);
        Assert.Equal(0, result.Recorded.Violations);
        Assert.Equal(0, result.Replayed.Fences);
        Assert.True(result.Replayed.Violations >= 1, "hoping lets the late straggler write through a dead translation");
        Assert.Equal(0, result.Replayed.RefusedAccesses);
        Assert.True(result.Adjustments.RecordedTimersSkipped > 0);
    }

    [Fact]
    public void Run_WhatIfNoFaults_AcknowledgesEverythingAtOnce()
    {
        var bytes = TestTraces.Synthetic(45_000);
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader, new ReplayOptions { Policy = FaultPolicy.None });

        Assert.Equal(0, result.Replayed.Fences);
        Assert.Equal(0, result.Replayed.Timeouts);
        Assert.Equal(TimeSpan.Zero, result.Replayed.AckLatencyMax);
        Assert.Equal(result.Recorded.Input(EngineInputKind.IotlbInvalidate), result.Replayed.Acks);
        Assert.True(result.Recorded.RefusedAccesses > 0);
        Assert.True(result.Adjustments.AccessResultsChanged > 0, "accesses refused in the recording hit or miss now");
    }

    [Fact]
    public void Run_WhatIfSameOptions_MatchesTheRecordingCounts()
    {
        // Overriding with the recorded values runs the what-if machinery (own timers, token re-mapping);
        // on the same decisions it must agree with the recording.
        var bytes = TestTraces.Synthetic(10_000);
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader, new ReplayOptions { FencePolicy = FencePolicy.Fence });

        Assert.Equal(result.Recorded.Fences, result.Replayed.Fences);
        Assert.Equal(result.Recorded.Acks, result.Replayed.Acks);
        Assert.Equal(result.Recorded.Violations, result.Replayed.Violations);
        Assert.Equal(0, result.Adjustments.AccessResultsChanged);
        Assert.Equal(0, result.Adjustments.ExtraHitsEndedAtOnce);
        Assert.Equal(0, result.Adjustments.EndsWithoutAccess);
    }

    [Fact]
    public void Run_InputTheEngineRejects_IsCountedNotThrown()
    {
        var options = TestTraces.Options(FaultPolicy.None);
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, TestTraces.Header(options), leaveOpen: true))
        {
            // An access in no direction: the engine throws ArgumentOutOfRangeException, live and in replay.
            writer.WriteInput(new EngineInput(EngineInputKind.BeginAccess, TestTraces.Start, 0x1000, 8, Access: Core.Dma.AccessKind.None));
            writer.WriteInput(new EngineInput(EngineInputKind.IotlbInvalidate, TestTraces.Start, 0x1000, 0x1000, Id: 1));
            writer.WriteEffect(new EngineEffect { Kind = EffectKind.AckInvalidation, At = TestTraces.Start, RequestId = 1 });
            writer.Complete(TestTraces.Start);
        }

        using var reader = new TraceReader(new MemoryStream(stream.ToArray()));
        var result = TraceReplayer.Run(reader);

        Assert.True(result.Reproduced, result.Mismatch?.ToString());
        Assert.Equal(1, result.RejectedInputs);
    }

    [Fact]
    public void Open_HeaderWithOptionsTheEngineRejects_ThrowsFormatError()
    {
        var options = TestTraces.Options(FaultPolicy.None);
        var header = TestTraces.Header(options);
        header.Engine.InvalidationTimeoutTicks = 0;
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, header, leaveOpen: true))
        {
            writer.Complete(TestTraces.Start);
        }

        var ex = Assert.Throws<TraceFormatException>(() => new TraceReader(new MemoryStream(stream.ToArray())));

        Assert.Contains("invalid engine options", ex.Message);
    }

    /// <summary>Copies a trace, letting <paramref name="change"/> replace (or drop, with default) the n-th record of a kind.</summary>
    private static (byte[] Bytes, long Index, TraceEntry Original) Rewrite(byte[] trace, Func<TraceEntry, int, TraceEntry?> change)
    {
        var entries = TestTraces.ReadAll(trace, out var reader);
        var stream = new MemoryStream();
        long changedIndex = -1;
        TraceEntry original = default;
        var counts = new Dictionary<TraceRecordKind, int>();
        using (var writer = new TraceWriter(stream, reader.Header, leaveOpen: true))
        {
            long outIndex = 0;
            foreach (var e in entries)
            {
                int n = counts[e.Kind] = counts.GetValueOrDefault(e.Kind) + 1;
                var replaced = changedIndex < 0 ? change(e, n) : null;
                if (replaced is { } r)
                {
                    changedIndex = outIndex;
                    original = e;
                    if (r.Kind == 0)
                    {
                        continue; // dropped: the next record takes its index
                    }
                }

                var w = replaced ?? e;
                switch (w.Kind)
                {
                    case TraceRecordKind.Input: writer.WriteInput(w.Input, w.Result); break;
                    case TraceRecordKind.Effect: writer.WriteEffect(w.Effect); break;
                    case TraceRecordKind.End: writer.Complete(w.At); break;
                }

                outIndex++;
            }
        }

        reader.Dispose();
        Assert.True(changedIndex >= 0, "nothing was changed");
        return (stream.ToArray(), changedIndex, original);
    }

    private static byte[] ReplaceHeader(byte[] trace, Action<TraceHeader> change)
    {
        var entries = TestTraces.ReadAll(trace, out var reader);
        var header = reader.Header.Clone();
        change(header);
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, header, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                if (e.Kind == TraceRecordKind.Input)
                {
                    writer.WriteInput(e.Input, e.Result);
                }
                else if (e.Kind == TraceRecordKind.Effect)
                {
                    writer.WriteEffect(e.Effect);
                }
            }

            writer.Complete(entries[^1].At);
        }

        reader.Dispose();
        return stream.ToArray();
    }
}
