namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>Waiting for a condition the test cannot be told about (a counter of another process or thread).</summary>
internal static class Poll
{
    /// <summary>True once <paramref name="condition"/> holds, checked every 20 ms; false if it still does not after <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
