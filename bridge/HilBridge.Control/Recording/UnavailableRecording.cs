namespace HilBridge.Control.Recording;

/// <summary>The recording control of a run without a trace recorder: every start or stop says so.</summary>
public sealed class UnavailableRecording(string reason) : IRecordingControl
{
    public RecordingState Status => RecordingState.Idle;

    public RecordingResult Start(string? path) => RecordingResult.Refused(Status, RecordingError.Unavailable, reason);

    public RecordingResult Stop() => RecordingResult.Refused(Status, RecordingError.Unavailable, reason);
}
