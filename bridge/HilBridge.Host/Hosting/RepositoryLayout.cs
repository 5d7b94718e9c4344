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

    /// <summary>The mode of the runtime directory: only its owner may list, enter or create in it.</summary>
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// A new private (0700) directory for this run's sockets and FIFOs, under XDG_RUNTIME_DIR if set, else
    /// the temp directory. Whoever can connect to the vhost-user socket can hand the bridge guest memory,
    /// so nobody else may reach inside. The name is unguessable, and a directory someone else made there
    /// first, or a symlink, is refused rather than used (chmod of a directory we do not own fails).
    /// </summary>
    public static string CreatePrivateRuntimeDirectory()
    {
        var root = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Directory.Exists(xdg)
            ? xdg
            : Path.GetTempPath();
        var dir = Path.Combine(root, "hilbridge-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..12]);
        if (Path.Exists(dir))
            throw new IOException($"{dir} already exists; refusing to share a runtime directory");
        var info = Directory.CreateDirectory(dir, PrivateDirectoryMode);
        // Pinned whatever the umask was; fails (EPERM) on a directory someone else created in the meantime.
        File.SetUnixFileMode(dir, PrivateDirectoryMode);
        info.Refresh();
        if (info.LinkTarget is not null || File.GetUnixFileMode(dir) != PrivateDirectoryMode)
            throw new IOException($"{dir} is not a private directory of ours");
        return dir;
    }
}
