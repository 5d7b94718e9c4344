using System.Diagnostics;

namespace HilBridge.Live.Qemu;

/// <summary>
/// A QEMU child process whose serial console (stdout) and diagnostics (stderr) are delivered line by
/// line. Killing it is always safe; the bridge must survive whatever QEMU does.
/// </summary>
public sealed class QemuProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceLaunch = Stopwatch.StartNew();

    private QemuProcess(Process process, Task consoleDrained)
    {
        _process = process;
        ConsoleDrained = consoleDrained;
    }

    /// <summary>
    /// Completes when the console's last line was handed over (end of QEMU's stdout). QEMU's exit does not
    /// mean that: the lines in the pipe are still being read, and the guest's result is often the last one.
    /// </summary>
    public Task ConsoleDrained { get; }

    public int ProcessId => _process.Id;

    public TimeSpan SinceLaunch => _sinceLaunch.Elapsed;

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static QemuProcess Start(string binary, IReadOnlyList<string> args, Action<string> onConsoleLine, Action<string> onDiagnosticLine)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new QemuLaunchException($"cannot start {binary}: {ex.Message} (run qemu-scripts/setup.sh)", ex);
        }
        // Lines are cut at a bound: the serial console is written by the guest, which may never end a line.
        var console = Task.Run(() => BoundedLineReader.PumpAsync(process.StandardOutput.BaseStream, onConsoleLine));
        _ = Task.Run(() => BoundedLineReader.PumpAsync(process.StandardError.BaseStream, onDiagnosticLine));
        return new QemuProcess(process, console);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

public sealed class QemuLaunchException(string message, Exception? inner = null) : Exception(message, inner);
