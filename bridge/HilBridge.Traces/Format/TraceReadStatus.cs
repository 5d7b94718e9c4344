namespace HilBridge.Traces.Format;

/// <summary>How reading a trace ended. Every status but <see cref="Reading"/> is final.</summary>
public enum TraceReadStatus
{
    /// <summary>More records may follow.</summary>
    Reading,
    /// <summary>The end record was read: the recorder closed the file cleanly.</summary>
    Complete,
    /// <summary>The file ends without an end record (a crash or a copy in progress): every whole record before was read.</summary>
    Incomplete,
    /// <summary>The file ends inside a record (a crash mid-write): every whole record before it was read.</summary>
    Truncated,
    /// <summary>A record failed its checksum or could not be decoded: reading stopped before it.</summary>
    Corrupt,
}
