using System.Collections.Concurrent;
using System.Diagnostics;

namespace HilBridge.Bench.Processes;

/// <summary>
/// A child process spoken to line by line: stdin for commands, stdout lines queued for
/// <see cref="ReadLine"/>, stderr (and stdout, when asked) appended to a log file. Disposing kills it.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public string Name { get; private init; } = "";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="file"/>; with <paramref name="cpus"/> (a taskset list such as "1" or "0,1")
    /// under `taskset -c`, which execs it: the process id stays the program's.
    /// </summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, string logPath, bool logStdout = false, string? cpus = null)
    {
        if (cpus is not null)
        {
            args = ["-c", cpus, file, .. args];
            file = "taskset";
        }

        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        lock (log)
        {
            log.WriteLine($"# {DateTime.UtcNow:O} {file} {string.Join(' ', info.ArgumentList)}");
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process, log) { Name = name };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.CompleteAdding();
                return;
            }
            if (logStdout)
            {
                child.Log(e.Data);
            }

            child._lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child.Log("[stderr] " + e.Data);
            }
        };
        if (!process.Start())
        {
            throw new BenchException($"cannot start {file}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The next stdout line, or an exception naming the process if none comes in time.</summary>
    public string ReadLine(TimeSpan timeout)
    {
        try
        {
            if (_lines.TryTake(out var line, timeout))
            {
                return line;
            }
        }
        catch (InvalidOperationException)
        {
            // completed: fall through
        }
        throw new BenchException(_process.HasExited || _lines.IsCompleted
            ? $"{Name} exited without the expected output (see its log)"
            : $"{Name} said nothing for {timeout.TotalSeconds:F0} s");
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; returns it.</summary>
    public string ReadLineStartingWith(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var line = ReadLine(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    private void Log(string line)
    {
        lock (_log)
        {
            try { _log.WriteLine(line); } catch (ObjectDisposedException) { } // output after Dispose
        }
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public void CloseInput()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        try
        {
            CloseInput();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
