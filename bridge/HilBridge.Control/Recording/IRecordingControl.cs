namespace HilBridge.Control.Recording;

/// <summary>Starts and stops a trace recording of the engine's inputs and effects during a run.</summary>
public interface IRecordingControl
{
    RecordingState Status { get; }

    /// <param name="path">Trace file; null = a name of the implementation's choosing in the run's output folder.</param>
    RecordingResult Start(string? path);

    RecordingResult Stop();
}

/// <summary>Where a recording stands (the current segment, or the last one once stopped), and the run's own trace.</summary>
public sealed record RecordingState(bool Active, string? Path, DateTimeOffset? StartedAt, long Records, long Bytes, string? RunTrace = null)
{
    public static RecordingState Idle { get; } = new(false, null, null, 0, 0);
}

public enum RecordingError
{
    /// <summary>No trace recorder in this build or run.</summary>
    Unavailable,
    AlreadyRecording,
    NotRecording,
    /// <summary>The requested file is outside the run's output folder.</summary>
    InvalidPath,
    /// <summary>The trace file could not be written.</summary>
    Failed,
}

/// <summary>The outcome of a start or stop: the state after it, or why it did nothing.</summary>
public sealed record RecordingResult(RecordingState State, RecordingError? Error = null, string? Message = null)
{
    public static RecordingResult Ok(RecordingState state) => new(state);

    public static RecordingResult Refused(RecordingState state, RecordingError error, string message) => new(state, error, message);
}
