using System.Diagnostics.CodeAnalysis;

namespace HilBridge.Live.Hosting;

/// <summary>
/// Confines a file path that came from outside (a gRPC request, a control command) to one folder, such
/// as a run's output folder. Refused: empty paths, NUL bytes, absolute paths, ".." that climbs out,
/// and symlinks (anywhere on the way, including the last component) that lead outside the folder.
/// The answer is a value, not an exception: a remote caller's mistake is not our crash.
/// <para>
/// It checks the file system as it is now; whoever can write inside the folder could still swap a
/// component for a symlink afterwards. The folders this guards are the bridge's own.
/// </para>
/// </summary>
public static class PathConfinement
{
    private const int MaxLinks = 40; // as Linux's ELOOP limit

    /// <summary>
    /// Resolves <paramref name="requested"/> (relative to <paramref name="root"/>) to a full path inside
    /// <paramref name="root"/>. The path need not exist; the parts that do are followed through symlinks.
    /// </summary>
    public static bool TryResolve(string root, string? requested, [NotNullWhen(true)] out string? fullPath, [NotNullWhen(false)] out string? error)
    {
        fullPath = null;
        if (string.IsNullOrWhiteSpace(requested))
        {
            error = "the path is empty";
            return false;
        }
        if (requested.Contains('\0'))
        {
            error = "the path contains a NUL character";
            return false;
        }
        if (Path.IsPathRooted(requested))
        {
            error = $"'{requested}' is absolute; give a path relative to the output folder";
            return false;
        }

        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var candidate = Path.GetFullPath(Path.Combine(rootFull, requested));
        if (!IsInside(rootFull, candidate))
        {
            error = $"'{requested}' leads outside the output folder";
            return false;
        }

        // Lexically inside; now make sure no existing component is a symlink out of it.
        var realRoot = RealPath(rootFull, out _) ?? rootFull;
        var real = RealPath(candidate, out var loop);
        if (loop || real is null || !IsInside(realRoot, real))
        {
            error = $"'{requested}' leads outside the output folder through a symbolic link";
            return false;
        }

        fullPath = candidate;
        error = null;
        return true;
    }

    private static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symlink among its existing components resolved (what realpath(3) gives, for the existing prefix).</summary>
    private static string? RealPath(string fullPath, out bool loop)
    {
        loop = false;
        var parts = fullPath.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var pending = new Stack<string>(parts.Reverse());
        var current = Path.DirectorySeparatorChar.ToString();
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            // LinkTarget reads the link itself (readlink): a dangling link, which a write would follow, counts too.
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    loop = true;
                    return null;
                }
                // Follow the link: its target's components replace this one.
                var absolute = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                foreach (var p in absolute.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(p);
                }

                current = Path.DirectorySeparatorChar.ToString();
                continue;
            }
            current = next;
        }
        return current;
    }
}
