using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Recording;
using HilBridge.Traces.Replay;
using HilBridge.Traces.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Traces.Tests.Recording;

public sealed class TraceRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-recorder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Record_EngineSessionWithSideRecords_ReplaysExactlyWithResults()
    {
        var path = Path.Combine(_dir, "run", "trace.hbt");
        var time = new FakeTimeProvider(TestTraces.Start);
        var options = TestTraces.Options();
        using (var recorder = TraceRecorder.Create(path, TraceHeaders.Create("rec", null, options, TestTraces.Start), time))
        {
            var driver = new EngineStepper(options, TestTraces.Start, recorder);
            var traffic = new Generation.SyntheticTraffic(driver);
            traffic.Start();
            traffic.Run(() => traffic.Requests < 3_000);
            recorder.RecordSmmu("smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC");
            recorder.RecordGuest("result", [new("verified", "1")], TimeSpan.FromSeconds(12));
            recorder.RecordRunEnd("passed", null, "{}", 0x100);
        }

        using var reader = TraceReader.Open(path);
        var result = TraceReplayer.Run(reader);

        Assert.True(result.Reproduced, result.Mismatch?.ToString() ?? reader.Problem);
        Assert.Equal(0, result.Recorded.AccessesWithoutResult);
        Assert.Equal("passed", result.RunEnd!.Outcome);
        Assert.Equal("live", reader.Header.Source);
    }

    [Fact]
    public void Record_BeginAccessWithoutResult_IsWrittenWithoutOne()
    {
        var path = Path.Combine(_dir, "noresult.hbt");
        var options = TestTraces.Options(FaultPolicy.None);
        using (var recorder = TraceRecorder.Create(path, TraceHeaders.Create("r", null, options, TestTraces.Start), TimeProvider.System))
        {
            var begin = new EngineInput(EngineInputKind.BeginAccess, TestTraces.Start, 0x1000, 8, Access: AccessKind.Read);
            recorder.OnInput(begin, null);
            recorder.OnInput(new EngineInput(EngineInputKind.Timer, TestTraces.Start), null);
            recorder.OnInput(begin, AccessResult.Miss);
        }

        var entries = TestTraces.ReadAll(File.ReadAllBytes(path), out var reader);
        reader.Dispose();

        Assert.Equal([null, null, AccessResult.Miss], entries.Where(e => e.Kind == TraceRecordKind.Input).Select(e => e.Result));
        Assert.Equal([EngineInputKind.BeginAccess, EngineInputKind.Timer, EngineInputKind.BeginAccess],
            entries.Where(e => e.Kind == TraceRecordKind.Input).Select(e => e.Input.Kind));
    }

    [Fact]
    public void Record_SideRecordBetweenAccessAndResult_KeepsTheResult()
    {
        // The trace tap thread may record an SMMU line while the engine thread is stepping an access.
        var path = Path.Combine(_dir, "interleaved.hbt");
        using (var recorder = TraceRecorder.Create(path, TraceHeaders.Create("r", null, TestTraces.Options(FaultPolicy.None), TestTraces.Start), TimeProvider.System))
        {
            recorder.RecordSmmu("smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC");
            recorder.OnInput(new EngineInput(EngineInputKind.BeginAccess, TestTraces.Start, 0x1000, 8, Access: AccessKind.Read), AccessResult.Hit);
            recorder.RecordGuest("round", [], TimeSpan.Zero);
        }

        var entries = TestTraces.ReadAll(File.ReadAllBytes(path), out var reader);
        reader.Dispose();

        Assert.Equal(AccessResult.Hit, Assert.Single(entries, e => e.Kind == TraceRecordKind.Input).Result);
    }

    [Fact]
    public void Record_ManyThreads_KeepsEveryRecordWhole()
    {
        var path = Path.Combine(_dir, "threads.hbt");
        var options = TestTraces.Options(FaultPolicy.None);
        using (var recorder = TraceRecorder.Create(path, TraceHeaders.Create("t", null, options, TestTraces.Start), TimeProvider.System))
        {
            Parallel.For(0, 4, worker =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    if (worker == 0)
                    {
                        recorder.OnInput(new EngineInput(EngineInputKind.IotlbInvalidate, TestTraces.Start, (ulong)i << 12, 4096, Id: (ulong)i), null);
                    }
                    else
                    {
                        recorder.RecordSmmu("smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC " + worker);
                    }
                }
            });
        }

        var entries = TestTraces.ReadAll(File.ReadAllBytes(path), out var reader);
        using (reader)
        {
            Assert.Equal(TraceReadStatus.Complete, reader.Status);
        }

        Assert.Equal(80_001, entries.Count);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (ulong)i),
            entries.Where(e => e.Kind == TraceRecordKind.Input).Select(e => e.Input.Id));
    }

    [Fact]
    public void Record_ProcessDiesWithoutClosing_LeavesAReadablePrefix()
    {
        var path = Path.Combine(_dir, "crash.hbt");
        var time = new FakeTimeProvider(TestTraces.Start);
        var options = TestTraces.Options(FaultPolicy.None);
        var recorder = TraceRecorder.Create(path, TraceHeaders.Create("crash", null, options, TestTraces.Start), time);
        for (int i = 0; i < 1000; i++)
        {
            recorder.OnInput(new EngineInput(EngineInputKind.SetStreamId, TestTraces.Start, Id: (ulong)i), null);
        }

        // The periodic flush runs; then the "process" stops without Dispose (no end record).
        time.Advance(TraceRecorder.FlushInterval);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(path).Length < 1000 * 4 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        using var copy = new MemoryStream(ReadShared(path));
        using var reader = new TraceReader(copy);
        long count = 0;
        while (reader.TryRead(out _))
        {
            count++;
        }

        Assert.Equal(1000, count);
        Assert.Equal(TraceReadStatus.Incomplete, reader.Status);
        Assert.Contains("no end record", reader.Problem);
        recorder.Dispose();
    }

    [Fact]
    public void Create_UnwritableDirectory_Throws()
    {
        var blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "");

        Assert.ThrowsAny<IOException>(() => TraceRecorder.Create(Path.Combine(blocker, "trace.hbt"),
            TraceHeaders.Create("x", null, new EngineOptions(), TestTraces.Start), TimeProvider.System));
    }

    private static byte[] ReadShared(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var m = new MemoryStream();
        f.CopyTo(m);
        return m.ToArray();
    }
}
