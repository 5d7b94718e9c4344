namespace HilBridge.Cli;

/// <summary>Progress lines on stderr with the time since start, readable in a terminal and in CI logs.</summary>
internal sealed class ConsoleProgress : IProgress<string>
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Report(string value)
    {
        lock (this)
        {
            Console.Error.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {value}");
        }
    }
}
