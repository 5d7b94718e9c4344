using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Import;
using HilBridge.Traces.Replay;

namespace HilBridge.Traces.Tests.Import;

public sealed class SmmuLogImportTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "qemu-7.2-smmuv3-virtio-blk.log");

    private readonly string _dir = Directory.CreateTempSubdirectory("hb-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_StockQemuLog_WritesATraceThatReplaysExactly()
    {
        var output = new FileInfo(Path.Combine(_dir, "imported.hbt"));
        var engine = new EngineOptions { Seed = 1 };

        var result = SmmuLogImport.Run(new FileInfo(Fixture), output, engine, policyName: null, streamId: null, resetOnAttach: true);

        Assert.True(result.Imported);
        Assert.Equal(0x100u, engine.StreamId);
        Assert.Equal(260, result.Report.RangeInvalidations);
        using var reader = TraceReader.Open(output.FullName);
        Assert.Equal(("import", "import"), (reader.Header.Source, reader.Header.Scenario));
        var replay = TraceReplayer.Run(reader);
        Assert.True(replay.Reproduced, replay.Mismatch?.ToString());
        Assert.Equal(result.Tally.Inputs, replay.Recorded.Inputs);
        Assert.Equal(result.Tally.Effects, replay.Recorded.Effects);
    }

    [Fact]
    public void Run_LogWithoutSmmuEvents_NotImportedAndNothingWritten()
    {
        var log = Path.Combine(_dir, "empty.log");
        File.WriteAllLines(log, ["qemu-system-aarch64: starting", "virtio_blk_req_complete req 0x1 status 0"]);
        var output = new FileInfo(Path.Combine(_dir, "none.hbt"));

        var result = SmmuLogImport.Run(new FileInfo(log), output, new EngineOptions(), null, null, resetOnAttach: true);

        Assert.False(result.Imported);
        Assert.False(File.Exists(output.FullName));
    }

    [Fact]
    public void Run_StreamIdGiven_OverridesTheLogs()
    {
        var engine = new EngineOptions();

        SmmuLogImport.Run(new FileInfo(Fixture), new FileInfo(Path.Combine(_dir, "sid.hbt")), engine, "p", streamId: 0x200, resetOnAttach: false);

        Assert.Equal(0x200u, engine.StreamId);
    }
}
