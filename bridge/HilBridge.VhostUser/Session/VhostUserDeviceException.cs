using HilBridge.VhostUser.Protocol;

namespace HilBridge.VhostUser.Session;

/// <summary>
/// Thrown by a back-end (or by the session's own per-request checks) when a well-formed request
/// cannot be carried out: unsupported, out of range, refused. The session answers with a failure
/// reply when the request wanted one, logs it, and keeps going.
/// </summary>
public sealed class VhostUserDeviceException : Exception
{
    public VhostUserDeviceException(string message, ulong status = 1, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status == 0 ? 1 : status;
    }

    /// <summary>The non-zero u64 sent in the failure reply.</summary>
    public ulong Status { get; }

    /// <summary>True for the "this back-end does not implement the request" case.</summary>
    public bool IsNotSupported { get; private init; }

    public static VhostUserDeviceException NotSupported(VhostUserRequest request) =>
        new($"{request} is not supported by this back-end") { IsNotSupported = true };
}
