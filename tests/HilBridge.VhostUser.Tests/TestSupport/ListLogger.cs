using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>Collects log entries so tests can assert that an error was logged, and with which event id.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(EventId Id, LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId, logLevel, formatter(state, exception)));

    public bool Has(int eventId) => Entries.Any(e => e.Id.Id == eventId);
}
