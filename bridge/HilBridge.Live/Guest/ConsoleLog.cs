namespace HilBridge.Live.Guest;

/// <summary>
/// The run's console.log: the guest's serial console and QEMU's stderr, line by line, from several
/// threads. Bounded, because a guest that floods its console for a whole scenario timeout must not fill
/// the disk: past <see cref="MaxBytes"/> one marker line is written and later lines are only counted.
/// </summary>
public sealed class ConsoleLog : IDisposable
{
    public const long DefaultMaxBytes = 64L << 20;

    private readonly StreamWriter _writer;
    private long _written;
    private bool _truncated;
    private bool _disposed;

    public ConsoleLog(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxBytes = maxBytes;
        _writer = new StreamWriter(path) { AutoFlush = true };
    }

    public long MaxBytes { get; }

    /// <summary>Lines not written because the log was full.</summary>
    public long DroppedLines { get; private set; }

    public void WriteLine(string line)
    {
        lock (_writer)
        {
            if (_disposed)
            {
                return; // a reader thread of a dying QEMU can deliver a last line after the run ended
            }

            if (_truncated)
            {
                DroppedLines++;
                return;
            }

            // Characters, not encoded bytes: close enough for a bound, and free.
            _written += line.Length + 1;
            if (_written > MaxBytes)
            {
                _truncated = true;
                DroppedLines++;
                _writer.WriteLine($"[hilbridge] console.log reached its {MaxBytes} byte limit; later lines are dropped");
                return;
            }

            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_writer)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (DroppedLines > 0)
            {
                _writer.WriteLine($"[hilbridge] {DroppedLines} console lines dropped");
            }

            _writer.Dispose();
        }
    }
}
