using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Qemu;

/// <summary>
/// Follows QEMU's trace log live. QEMU writes to a FIFO we create (mkfifo) so nothing is buffered on
/// disk; the reader runs on its own thread because opening a FIFO blocks until QEMU opens it.
/// </summary>
public sealed class TraceFileTap : IDisposable
{
    private readonly string _path;
    private readonly Action<string> _onLine;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="onLine">Every line QEMU writes (the run's <see cref="IommuCommandStream"/> reads them).</param>
    public TraceFileTap(string path, Action<string> onLine, ILogger logger)
    {
        _path = path;
        _onLine = onLine;
        _logger = logger;
        if (!File.Exists(path) && Native.mkfifo(path, 0x180 /* 0600 */) != 0)
        {
            throw new IOException($"mkfifo {path} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "hb-trace-tap" };
        _thread.Start();
    }

    private void Run()
    {
        try
        {
            using var reader = new StreamReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16));
            while (!_stopping && reader.ReadLine() is { } line)
            {
                _onLine(line);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "IOMMU trace tap on {Path} stopped", _path);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        // Unblock a reader still waiting in open() for a writer that never came (QEMU failed to start).
        // O_NONBLOCK: fails at once (ENXIO) instead of blocking when the reader is already gone.
        var fd = Native.open(_path, Native.O_WRONLY | Native.O_NONBLOCK);
        if (fd >= 0)
        {
            Native.close(fd);
        }

        _thread.Join(TimeSpan.FromSeconds(2));
        try { File.Delete(_path); } catch (IOException) { }
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int mkfifo(string path, uint mode);

        public const int O_WRONLY = 1, O_NONBLOCK = 0x800;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int open(string path, int flags);

        [System.Runtime.InteropServices.DllImport("libc")]
        public static extern int close(int fd);
    }
}
