using HilBridge.Core.Engine;
using HilBridge.Live.Guest;
using HilBridge.Live.Run;
using HilBridge.Traces.Format;
using HilBridge.Traces.Recording;

namespace HilBridge.Control.Recording;

/// <summary>
/// Trace segments of a live run, started and stopped from the control plane: a <see cref="TraceRecorder"/>
/// attached to the run's engine tap (plus the guest's reports) writes the engine's inputs and effects
/// from the moment of the start. The header says "live-segment" and carries the policy in force then,
/// since a segment cannot be replayed from the engine's start like the run's own trace.
/// </summary>
public sealed class SegmentRecording(LiveRunContext context, TimeProvider time) : IRecordingControl, IDisposable
{
    public const string Source = "live-segment";

    private readonly object _lock = new();
    private TraceRecorder? _recorder;
    private DateTimeOffset? _startedAt;
    private RecordingState _last = RecordingState.Idle with { RunTrace = context.TracePath };

    public RecordingState Status
    {
        get
        {
            lock (_lock)
            {
                return _recorder is { } r ? Describe(r, active: true) : _last;
            }
        }
    }

    public RecordingResult Start(string? path)
    {
        lock (_lock)
        {
            if (_recorder is { } running)
            {
                return RecordingResult.Refused(Describe(running, true), RecordingError.AlreadyRecording, $"already recording a segment to {running.Path}");
            }

            if (Resolve(path) is not { } file)
            {
                return RecordingResult.Refused(_last, RecordingError.InvalidPath, $"'{path}' is outside the run's output folder {context.OutputDirectory}");
            }

            TraceRecorder recorder;
            try
            {
                recorder = TraceRecorder.Create(file, Header(), time);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return RecordingResult.Refused(_last, RecordingError.Failed, $"cannot create {file}: {ex.Message}");
            }
            if (!context.EngineTap.TryAttach(recorder))
            {
                recorder.Dispose();
                return RecordingResult.Refused(_last, RecordingError.AlreadyRecording, "another observer is attached to the engine tap");
            }
            _recorder = recorder;
            _startedAt = time.GetUtcNow();
            context.GuestReported += OnGuestReport;
            return RecordingResult.Ok(Describe(recorder, active: true));
        }
    }

    public RecordingResult Stop()
    {
        lock (_lock)
        {
            if (_recorder is not { } recorder)
            {
                return RecordingResult.Refused(_last, RecordingError.NotRecording, "no segment is recording");
            }

            context.EngineTap.Detach(recorder);
            context.GuestReported -= OnGuestReport;
            recorder.Dispose(); // writes the end record and waits until the file is complete
            _recorder = null;
            _last = Describe(recorder, active: false);
            return recorder.Failure is { } failure
                ? RecordingResult.Refused(_last, RecordingError.Failed, $"the segment stopped early: {failure.Message}")
                : RecordingResult.Ok(_last);
        }
    }

    /// <summary>The run is over: a segment still recording is closed properly.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_recorder is not null)
            {
                Stop();
            }
        }
    }

    private void OnGuestReport(GuestReport report) => _recorder?.RecordGuest(report.Kind, report.Fields, report.ReceivedAfterLaunch);

    private RecordingState Describe(TraceRecorder r, bool active) =>
        new(active, r.Path, _startedAt, r.Records, File.Exists(r.Path) ? new FileInfo(r.Path).Length : 0, context.TracePath);

    /// <summary>Inside the output folder only: a remote controller must not write arbitrary files as the bridge's user.</summary>
    private string? Resolve(string? path)
    {
        var root = Path.GetFullPath(context.OutputDirectory);
        var name = string.IsNullOrWhiteSpace(path) ? $"segment-{time.GetUtcNow():yyyyMMdd-HHmmss-fff}.hbt" : path;
        var full = Path.GetFullPath(Path.Combine(root, name));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>The scenario's header, but with the engine as it is now (policy and StreamID may have changed mid-run).</summary>
    private Traces.Proto.TraceHeader Header()
    {
        var scenario = context.Scenario;
        var bridge = context.Bridge;
        var now = new EngineOptions
        {
            InvalidationTimeout = scenario.Engine.InvalidationTimeout,
            FencePolicy = bridge.FencePolicy,
            FenceMode = bridge.FenceMode,
            StreamId = bridge.StreamId,
            Seed = scenario.Engine.Seed,
            AtcCapacity = scenario.Engine.AtcCapacity,
            Policy = bridge.Policy,
            RefusedAckStatus = scenario.Engine.RefusedAckStatus,
            ExactInvalidation = scenario.Engine.ExactInvalidation,
        };
        return TraceHeaders.Create(scenario.Name, scenario.Description, now, bridge.EngineStart, context.GuestVersions,
            scenario.Expectations.Select(e => (e.Metric, e.Operator, e.Value)), Source);
    }
}
