using HilBridge.Control.Recording;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Core.Engine;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using HilBridge.Traces.Format;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Control.Tests.Recording;

public sealed class SegmentRecordingTests : IDisposable
{
    private readonly TestBridge _bridge = new();
    private readonly LiveRunContext _context;
    private readonly SegmentRecording _recording;

    public SegmentRecordingTests()
    {
        var scenario = ScenarioLoader.Parse("name: seg\nexpect:\n  fences: '>= 1'\n", "seg");
        _context = new LiveRunContext(_bridge.Bridge, scenario, _bridge.Directory, _bridge.Directory, new Progress<string>(), NullLoggerFactory.Instance)
        {
            TracePath = Path.Combine(_bridge.Directory, "trace.hbt"),
        };
        _bridge.Bridge.Observer = _context.EngineTap; // as LiveRunner installs it, before any input
        _recording = new SegmentRecording(_context, TimeProvider.System);
    }

    public void Dispose()
    {
        _recording.Dispose();
        _bridge.Dispose();
    }

    [Fact]
    public void StartStop_FenceInBetween_SegmentHoldsOnlyWhatHappenedWhileRecording()
    {
        _bridge.Bridge.Fence("before the segment");
        _bridge.Bridge.Unfence("before the segment");
        _bridge.Bridge.SetPolicy(new FaultPolicy(new FaultRule { Name = "mid-run", Outcome = FaultOutcome.Drop }));

        var started = _recording.Start("seg/one.hbt");
        _bridge.Bridge.Fence("inside the segment");
        var stopped = _recording.Stop();
        _bridge.Bridge.Unfence("after the segment");

        Assert.Null(started.Error);
        Assert.True(started.State.Active);
        Assert.Null(stopped.Error);
        Assert.False(stopped.State.Active);
        Assert.True(stopped.State.Records >= 2);
        Assert.True(stopped.State.Bytes > 0);
        Assert.Equal(_context.TracePath, stopped.State.RunTrace);
        using var reader = TraceReader.Open(Path.Combine(_bridge.Directory, "seg", "one.hbt"));
        Assert.Equal(SegmentRecording.Source, reader.Header.Source);
        Assert.Equal("mid-run", Assert.Single(reader.Header.Engine.Policy.Rules).Name); // the policy in force at the start
        var reasons = new List<string?>();
        while (reader.TryRead(out var entry))
        {
            if (entry.Kind == TraceRecordKind.Effect)
            {
                reasons.Add(entry.Effect.Reason);
            }
        }
        Assert.Equal(TraceReadStatus.Complete, reader.Status);
        Assert.Equal(["inside the segment"], reasons);
    }

    [Fact]
    public void Start_Twice_AlreadyRecording()
    {
        Assert.Null(_recording.Start(null).Error);

        var second = _recording.Start(null);

        Assert.Equal(RecordingError.AlreadyRecording, second.Error);
        Assert.True(second.State.Active);
    }

    [Fact]
    public void Stop_NothingRecording_NotRecording() => Assert.Equal(RecordingError.NotRecording, _recording.Stop().Error);

    [Theory]
    [InlineData("/etc/evil.hbt")]
    [InlineData("../escape.hbt")]
    public void Start_OutsideOutputFolder_InvalidPath(string path)
    {
        var result = _recording.Start(path);

        Assert.Equal(RecordingError.InvalidPath, result.Error);
        Assert.Null(_context.EngineTap.Target);
    }

    [Fact]
    public void Dispose_WhileRecording_ClosesTheSegment()
    {
        var path = _recording.Start("closing.hbt").State.Path!;

        _recording.Dispose();

        using var reader = TraceReader.Open(path);
        while (reader.TryRead(out _))
        {
        }
        Assert.Equal(TraceReadStatus.Complete, reader.Status);
        Assert.Null(_context.EngineTap.Target);
    }
}
