using System.Runtime.InteropServices;

namespace HilBridge.VhostUser.Transport;

/// <summary>
/// A system call on a vhost-user socket, eventfd or mapping failed. Carries errno. On a session this
/// means the connection is gone (reset, broken pipe), not that the peer misbehaved.
/// </summary>
public sealed class VhostUserTransportException : IOException
{
    public VhostUserTransportException(string operation, int errno)
        : base($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Errno = errno;
        Operation = operation;
    }

    public VhostUserTransportException(string message)
        : base(message)
    {
        Operation = message;
    }

    public int Errno { get; }

    public string Operation { get; }

    /// <summary>True when the peer went away (reset, broken pipe) rather than something failing locally.</summary>
    public bool IsDisconnect => Errno is LibC.ECONNRESET or LibC.EPIPE;

    internal static VhostUserTransportException FromLastError(string operation) => new(operation, LibC.LastError);
}
