namespace HilBridge.VhostUser.Protocol;

/// <summary>Exact-size checks shared by the payload codecs.</summary>
internal static class PayloadGuard
{
    public static void ExpectLength(ReadOnlySpan<byte> payload, int expected, string what)
    {
        if (payload.Length != expected)
        {
            throw new VhostUserProtocolException($"{what} payload must be {expected} bytes, got {payload.Length}");
        }
    }

    public static void ExpectDestination(Span<byte> destination, int needed, string what)
    {
        if (destination.Length < needed)
        {
            throw new ArgumentException($"{what} needs {needed} bytes, destination has {destination.Length}", nameof(destination));
        }
    }
}
