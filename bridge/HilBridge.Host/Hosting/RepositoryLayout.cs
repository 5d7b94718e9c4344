namespace HilBridge.Host.Hosting;

/// <summary>Finds the repository's qemu-scripts/ and scenarios/ from wherever hilbridge runs.</summary>
public static class RepositoryLayout
{
    public static string FindScriptsDirectory()
    {
        if (Environment.GetEnvironmentVariable("HILBRIDGE_SCRIPTS") is { Length: > 0 } fromEnv)
            return fromEnv;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "qemu-scripts");
                if (File.Exists(Path.Combine(candidate, "setup.sh")))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException("qemu-scripts/setup.sh not found above the current directory; set HILBRIDGE_SCRIPTS");
    }

    /// <summary>A private (0700) directory for this run's sockets and FIFOs.</summary>
    public static string CreatePrivateRuntimeDirectory()
    {
        var root = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Directory.Exists(xdg)
            ? xdg
            : Path.GetTempPath();
        var dir = Path.Combine(root, "hilbridge-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }
}
