namespace HilBridge.Live.AtsPort;

/// <summary>The peer broke the ATS port's framing; the connection is dropped, the run goes on.</summary>
public sealed class AtsPortProtocolException(string message) : Exception(message);
