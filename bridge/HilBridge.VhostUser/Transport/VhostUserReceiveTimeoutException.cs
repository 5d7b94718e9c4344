namespace HilBridge.VhostUser.Transport;

/// <summary>
/// A receive deadline of <see cref="VhostUserEndpoint.TryReceive(out Protocol.VhostUserHeader, out ReadOnlySpan{byte}, out ReceivedFds, TimeSpan, TimeSpan)"/>
/// passed: the peer sent nothing in time (<see cref="MidMessage"/> false) or stopped in the middle of a
/// message (true; the stream is then out of step). Either way the connection is of no further use.
/// </summary>
public sealed class VhostUserReceiveTimeoutException(string message, bool midMessage) : TimeoutException(message)
{
    public bool MidMessage { get; } = midMessage;
}
