namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>Open descriptors of this process, from /proc/self/fd.</summary>
internal static class FdCount
{
    public static int Current() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>The count after finalizers ran, so a handle some other test dropped cannot close mid-measurement.</summary>
    public static int Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Current();
    }

    public static bool IsOpen(int fd) => File.Exists($"/proc/self/fd/{fd}") || Directory.Exists($"/proc/self/fd/{fd}");

    /// <summary>Waits briefly for background threads (session shutdown, finalizers) to settle the count.</summary>
    public static int Settled(int expected, int timeoutMilliseconds = 2000)
    {
        var deadline = Environment.TickCount64 + timeoutMilliseconds;
        var current = Current();
        while (current != expected && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
            current = Current();
        }

        return current;
    }
}

/// <summary>Tests that count process-wide fds must not run beside tests that open them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FdCountingCollection
{
    public const string Name = "fd counting";
}
