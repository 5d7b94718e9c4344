namespace HilBridge.VhostUser.Session;

/// <summary>
/// How long a front-end may keep a session waiting. The server runs one session at a time, so a peer
/// that stalls must not hold it for ever: a connection that has not finished its handshake (SET_OWNER,
/// which QEMU sends within milliseconds of connecting) in <see cref="HandshakeTimeout"/>, or that stops
/// in the middle of a message for <see cref="MessageTimeout"/>, is closed. An established session may
/// idle as long as it likes between messages: QEMU connects at start-up and starts the device only
/// when the guest's driver does, which can be minutes later.
/// </summary>
public sealed record VhostUserSessionOptions
{
    public static VhostUserSessionOptions Default { get; } = new();

    /// <summary>From connecting to SET_OWNER.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>From the first byte of a message to its last.</summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Why these options cannot be used (null when they can); <paramref name="prefix"/> names their configuration section.</summary>
    public static string? Validate(TimeSpan handshakeTimeout, TimeSpan messageTimeout, string prefix)
    {
        var problems = new List<string>();
        if (handshakeTimeout <= TimeSpan.Zero || handshakeTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"{prefix}HandshakeTimeout must be positive and at most an hour (is {handshakeTimeout})");
        }

        if (messageTimeout <= TimeSpan.Zero || messageTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"{prefix}MessageTimeout must be positive and at most an hour (is {messageTimeout})");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
