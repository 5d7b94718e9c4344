namespace HilBridge.VhostUser.Protocol;

/// <summary>
/// A malformed message: bad version or flags, oversized payload, wrong payload size for the request,
/// wrong number of fds. The framing can no longer be trusted, so a session that sees one faults and
/// closes the connection.
/// </summary>
public sealed class VhostUserProtocolException : Exception
{
    public VhostUserProtocolException(string message, uint request = 0)
        : base(request == 0 ? message : $"{DescribeRequest(request)}: {message}")
    {
        Request = request;
    }

    /// <summary>The raw request id the error relates to, or 0 if not known (e.g. a broken header).</summary>
    public uint Request { get; }

    internal static string DescribeRequest(uint request) =>
        Enum.IsDefined(typeof(VhostUserRequest), request) ? $"{(VhostUserRequest)request}({request})" : $"request {request}";
}
