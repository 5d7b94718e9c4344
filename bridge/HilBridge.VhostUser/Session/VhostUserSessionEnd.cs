namespace HilBridge.VhostUser.Session;

/// <summary>Why a session stopped. Expected outcomes, so values rather than exceptions.</summary>
public enum VhostUserSessionEnd
{
    /// <summary>The front-end closed the connection at a message boundary.</summary>
    PeerClosed,
    /// <summary><see cref="VhostUserSession.Close"/> was called.</summary>
    Closed,
    /// <summary>A malformed message faulted the session (see <see cref="VhostUserSession.Fault"/>).</summary>
    ProtocolError,
    /// <summary>The socket failed (reset, broken pipe).</summary>
    TransportError,
    /// <summary>An unexpected exception in the session itself (see <see cref="VhostUserSession.Fault"/>).</summary>
    InternalError,
    /// <summary>The front-end did not finish its handshake in time, or stopped mid-message (<see cref="VhostUserSessionOptions"/>).</summary>
    TimedOut,
}
