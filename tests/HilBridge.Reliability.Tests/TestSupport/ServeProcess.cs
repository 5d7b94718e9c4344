using System.Diagnostics;

namespace HilBridge.Reliability.Tests.TestSupport;

/// <summary>`hilbridge serve` as a child process, so a test can kill -9 the bridge for real.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    /// <summary>The process ended (e.g. a SIGBUS aborted it); <see cref="ExitCode"/> says how.</summary>
    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts serving <paramref name="socket"/> with <paramref name="disk"/> and waits until the socket accepts connections.</summary>
    public static Task<ServeProcess> StartAsync(string socket, string disk, Action<string> log, params string[] extraArgs) =>
        StartAsync(socket, disk, log, new Dictionary<string, string>(), extraArgs);

    /// <summary>As above, with HILBRIDGE_ configuration in <paramref name="environment"/>.</summary>
    public static async Task<ServeProcess> StartAsync(string socket, string disk, Action<string> log, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in new[] { CliPath(), "serve", "--socket", socket, "--disk", disk, "--disk-size", "64" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start hilbridge serve");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log("[serve] " + e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log("[serve] " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var serve = new ServeProcess(process);
        // A dotnet process starts in 1-3 s here, many times that at CI's load: the bound only catches one that never serves.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            // The socket file is bound before the listener runs; a connection attempt tells it is served.
            try
            {
                using var probe = VhostUser.Transport.UnixSocket.Connect(socket);
                return serve;
            }
            catch (Exception e) when (e is VhostUser.Transport.VhostUserTransportException or IOException)
            {
                await Task.Delay(50);
            }
        }
        serve.Dispose();
        throw new InvalidOperationException("hilbridge serve did not start serving " + socket);
    }

    /// <summary>SIGKILL: no cleanup, no halt, the socket file stays behind.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    /// <summary>The hilbridge CLI built beside this test assembly's configuration.</summary>
    private static string CliPath()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bridge", "HilBridge.Cli", "bin", configuration, "net10.0", "hilbridge.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("bridge/HilBridge.Cli/bin/*/net10.0/hilbridge.dll not found: build the solution");
    }
}
