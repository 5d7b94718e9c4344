using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>Sends the bridge's log to the test output (Information and up), so a failed live test shows what the bridge saw.</summary>
internal sealed class OutputLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LogLevel _minimum = minimum;

    public static ILoggerFactory Factory(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new OutputLoggerProvider(output, minimum)));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        try
        {
            output.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:F2}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished: a late line from a background thread has nowhere to go.
        }
    }

    private sealed class Logger(OutputLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write($"{logLevel.ToString()[..4]} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
