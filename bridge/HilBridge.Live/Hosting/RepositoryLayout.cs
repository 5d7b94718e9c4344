using Microsoft.Extensions.Options;

namespace HilBridge.Live.Hosting;

/// <summary>Finds the repository's qemu-scripts/ and the runtime root from the configured <see cref="HostPathsOptions"/>.</summary>
public sealed class RepositoryLayout(IOptions<HostPathsOptions> options)
{
    private readonly HostPathsOptions _paths = options.Value;

    public RepositoryLayout(HostPathsOptions paths) : this(Options.Create(paths))
    {
    }

    /// <summary>The folder under which <see cref="CreatePrivateRuntimeDirectory(string)"/> makes a run's directory.</summary>
    public string RuntimeRoot => _paths.RuntimeRoot is { Length: > 0 } root && Directory.Exists(root) ? root : Path.GetTempPath();

    public string FindScriptsDirectory()
    {
        if (_paths.Scripts is { Length: > 0 } configured)
        {
            return configured;
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "qemu-scripts");
                if (File.Exists(Path.Combine(candidate, "setup.sh")))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("qemu-scripts/setup.sh not found above the current directory; set HILBRIDGE_SCRIPTS");
    }

    /// <summary>The mode of the runtime directory: only its owner may list, enter or create in it.</summary>
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// A new private (0700) directory for this run's sockets and FIFOs under <paramref name="root"/> (see
    /// <see cref="RuntimeRoot"/>). Whoever can connect to the vhost-user socket can hand the bridge guest memory,
    /// so nobody else may reach inside. The name is unguessable, and a directory someone else made there
    /// first, or a symlink, is refused rather than used (chmod of a directory we do not own fails).
    /// </summary>
    public static string CreatePrivateRuntimeDirectory(string root)
    {
        var dir = Path.Combine(root, "hilbridge-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..12]);
        if (Path.Exists(dir))
        {
            throw new IOException($"{dir} already exists; refusing to share a runtime directory");
        }

        var info = Directory.CreateDirectory(dir, PrivateDirectoryMode);
        // Pinned whatever the umask was; fails (EPERM) on a directory someone else created in the meantime.
        File.SetUnixFileMode(dir, PrivateDirectoryMode);
        info.Refresh();
        if (info.LinkTarget is not null || File.GetUnixFileMode(dir) != PrivateDirectoryMode)
        {
            throw new IOException($"{dir} is not a private directory of ours");
        }

        return dir;
    }
}
