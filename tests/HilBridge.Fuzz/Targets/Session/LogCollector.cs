using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>One log entry of the bridge under fuzzing.</summary>
public readonly record struct LogEntry(string Category, int EventId, LogLevel Level, string Message);

/// <summary>
/// Collects everything the bridge logs, so the oracle can tell a refused request (expected, logged as
/// a warning or a protocol error) from a bug (an unexpected exception in the back-end, the session or
/// the queue worker).
/// </summary>
public sealed class LogCollector : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Log events that only a bug can produce: (category suffix, event id).</summary>
    public static readonly IReadOnlySet<(string, int)> BugEvents = new HashSet<(string, int)>
    {
        ("VhostUserSession", 5),   // session stopped by an internal error
        ("VhostUserSession", 9),   // back-end threw something other than a device refusal
        ("VhostUserSession", 13),  // back-end threw from OnDisconnected
        ("VhostUserSession", 15),  // back-end threw after completing an IOTLB reply
        ("VhostUserServer", 103),  // creating the back-end failed
        ("QueueWorker", 210),      // the DMA thread caught an unexpected exception
    };

    public IReadOnlyList<LogEntry> Drain()
    {
        var list = new List<LogEntry>();
        while (_entries.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    public static bool IsBug(in LogEntry e) => e.Level >= LogLevel.Critical || BugEvents.Contains((e.Category, e.EventId));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || owner._entries.Count > 100_000)
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += $" [{exception.GetType().Name}: {exception.Message}]";
            }

            owner._entries.Enqueue(new LogEntry(category, eventId.Id, logLevel, message));
        }
    }
}
