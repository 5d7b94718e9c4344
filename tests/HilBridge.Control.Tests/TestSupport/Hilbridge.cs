using System.Diagnostics;
using System.Text;

namespace HilBridge.Control.Tests.TestSupport;

/// <summary>The real `hilbridge` executable (copied next to the tests by the project reference), run as a user would.</summary>
public sealed class Hilbridge : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private Hilbridge(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_stdout) { _stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_stderr) { _stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The repository root (tests run from its bin folders), for suites/ and qemu-scripts/.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "suites", "fence.yaml")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root (suites/fence.yaml) not found above " + AppContext.BaseDirectory);
    }

    public static Hilbridge Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts it with <paramref name="environment"/> added to this process's environment.</summary>
    public static Hilbridge Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot(),
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hilbridge.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new Hilbridge(Process.Start(info)!);
    }

    /// <summary>Runs to the end (or kills it after <paramref name="timeout"/> and fails).</summary>
    public static Task<Hilbridge> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, new Dictionary<string, string>(), args);

    public static async Task<Hilbridge> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = Start(environment, args);
        await process.WaitAsync(timeout);
        return process;
    }

    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"hilbridge {string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))} did not finish within {timeout.TotalSeconds} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the redirected output
    }

    public string Describe() => $"exit {(_process.HasExited ? _process.ExitCode.ToString() : "running")}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
