namespace HilBridge.Control.Server;

/// <summary>
/// What callers did wrong on the control plane, for GetStatus (Status.control): counted, never fatal.
/// Thread-safe: Kestrel's connections and the gRPC calls count from their own threads.
/// </summary>
public sealed class ControlPlaneCounters
{
    private long _protocolErrors;
    private long _unauthenticated;

    /// <summary>
    /// Connections Kestrel dropped for breaking HTTP/2 (no preface, bad frames, bad header blocks) and
    /// calls refused before any service code ran (undecodable or oversized messages, unknown methods,
    /// not gRPC at all).
    /// </summary>
    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);

    /// <summary>Calls refused on TCP for want of the token.</summary>
    public long Unauthenticated => Interlocked.Read(ref _unauthenticated);

    internal void CountProtocolError() => Interlocked.Increment(ref _protocolErrors);

    internal void CountUnauthenticated() => Interlocked.Increment(ref _unauthenticated);
}
