namespace HilBridge.Traces.Format;

/// <summary>
/// The file cannot be used at all: not a trace, an unsupported version, or a header that is missing,
/// cut short or corrupt. Problems after the header are not exceptions but <see cref="TraceReadStatus"/> values.
/// </summary>
public sealed class TraceFormatException(string message, Exception? inner = null) : Exception(message, inner);
