using System.Globalization;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Run;

/// <summary>
/// The run's own log, OUT/bridge.log: every message the bridge, QEMU launcher, ATS port and extensions log
/// during the run at <see cref="MinimumLevel"/> or above, whatever the console shows (warnings only unless -v).
/// <see cref="Factory"/> hands each logger to both the host's factory and the file, so nothing in the run
/// needs to know the file exists.
/// </summary>
public sealed class RunLog : IDisposable
{
    public const LogLevel MinimumLevel = LogLevel.Information;

    private readonly LoggerFactory _factory;

    private RunLog(ILoggerFactory host, string path)
    {
        File = new RunLogFile(path);
        _factory = new LoggerFactory([new ForwardingProvider(host), File], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
    }

    public ILoggerFactory Factory => _factory;

    public RunLogFile File { get; }

    public static RunLog Create(ILoggerFactory host, string path) => new(host, path);

    public void Dispose()
    {
        // A LoggerFactory does not dispose the providers it was constructed with: close the file here.
        _factory.Dispose();
        File.Dispose();
    }

    /// <summary>Hands out the host factory's loggers, which keep their own filters (the console's level).</summary>
    private sealed class ForwardingProvider(ILoggerFactory host) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => host.CreateLogger(categoryName);

        public void Dispose()
        {
            // The host owns its factory.
        }
    }
}

/// <summary>One line per message: time, level, category, message, then the exception if any. Thread-safe.</summary>
public sealed class RunLogFile : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private bool _closed;

    public RunLogFile(string path)
    {
        Path = path;
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = false };
    }

    public string Path { get; }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _writer.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                _writer.WriteLine(line);
            }
        }
    }

    private sealed class FileLogger(RunLogFile file, string category) : ILogger
    {
        private readonly string _category = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= RunLog.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {Level(logLevel)} {_category}[{eventId.Id}]: {formatter(state, exception)}";
            file.Write(exception is null ? line : line + Environment.NewLine + "    " + exception.ToString().Replace("\n", "\n    "));
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            LogLevel.Critical => "crit",
            _ => level.ToString().ToLowerInvariant(),
        };
    }
}
