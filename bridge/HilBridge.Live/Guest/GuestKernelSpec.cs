namespace HilBridge.Live.Guest;

/// <summary>
/// Which guest kernel a run boots, by name: `stable` (Debian stable's, the default), `unstable`
/// (Debian unstable's newest arm64 binary), `build[@VERSION][:PATCH_DIR]` (a trimmed kernel built from
/// source with your patches, qemu-scripts/build-kernel.sh) or the PATH of your own arm64 Image.
/// qemu-scripts/guest-kernel.sh turns each into a cached guest (kernel + initramfs).
/// </summary>
public sealed record GuestKernelSpec
{
    public const string Stable = "stable";
    public const string Unstable = "unstable";

    private GuestKernelSpec(string kind, string value, string? patchDirectory, string? sourceVersion)
    {
        Kind = kind;
        Value = value;
        PatchDirectory = patchDirectory;
        SourceVersion = sourceVersion;
    }

    /// <summary>stable, unstable, build or file.</summary>
    public string Kind { get; }

    /// <summary>The argument for guest-kernel.sh, with relative paths made absolute.</summary>
    public string Value { get; }

    /// <summary>build: the patch directory (absolute), null for none.</summary>
    public string? PatchDirectory { get; }

    /// <summary>build: the linux source version asked for, null for the newest that downloads.</summary>
    public string? SourceVersion { get; }

    public static GuestKernelSpec Default { get; } = new(Stable, Stable, null, null);

    public override string ToString() => Value;

    /// <summary>Reads a name; relative paths count from <paramref name="baseDirectory"/> (default: the current one).</summary>
    public static bool TryParse(string? text, out GuestKernelSpec spec, out string? error, string? baseDirectory = null)
    {
        spec = Default;
        error = null;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "the guest kernel is empty (stable, unstable, build[@VERSION][:PATCH_DIR] or the path of an Image)";
            return false;
        }

        if (s is Stable or Unstable)
        {
            spec = new GuestKernelSpec(s, s, null, null);
            return true;
        }

        if (s == "build" || s.StartsWith("build:", StringComparison.Ordinal) || s.StartsWith("build@", StringComparison.Ordinal))
        {
            return TryParseBuild(s, baseDirectory, out spec, out error);
        }

        var path = Path.GetFullPath(s, baseDirectory ?? Directory.GetCurrentDirectory());
        if (!File.Exists(path))
        {
            error = $"guest kernel '{s}': not stable, unstable or build[...], and no such file";
            return false;
        }

        spec = new GuestKernelSpec("file", path, null, null);
        return true;
    }

    /// <summary>
    /// A kernel built from source with <paramref name="patchDirectory"/> in place of its patches
    /// (`--kernel-patches`: one's own series where the reference quarantine was); null unless this is a build.
    /// </summary>
    public GuestKernelSpec? WithPatches(string patchDirectory)
    {
        if (Kind != "build")
        {
            return null;
        }

        var full = Path.GetFullPath(patchDirectory);
        return new GuestKernelSpec("build", "build" + (SourceVersion is null ? "" : "@" + SourceVersion) + ":" + full, full, SourceVersion);
    }

    /// <summary>
    /// The kernel a run boots with `--kernel-patches DIR`: built from source (from <paramref name="guestKernel"/>'s
    /// version when it names one) with DIR's patches. Null with an error when <paramref name="guestKernel"/> is not a build.
    /// </summary>
    public static string? WithPatches(string? guestKernel, string patchDirectory, out string? error)
    {
        error = null;
        if (!TryParse(guestKernel ?? "build", out var spec, out error) || !TryParse("build:" + patchDirectory, out var patched, out error))
        {
            return null;
        }

        if (spec.WithPatches(patched.PatchDirectory!) is not { } built)
        {
            error = $"--kernel-patches builds a kernel from source, but --guest-kernel is '{guestKernel}': drop it or give build[@VERSION]";
            return null;
        }

        return built.Value;
    }

    public static GuestKernelSpec Parse(string text) =>
        TryParse(text, out var spec, out var error) ? spec : throw new ArgumentException(error, nameof(text));

    private static bool TryParseBuild(string s, string? baseDirectory, out GuestKernelSpec spec, out string? error)
    {
        spec = Default;
        error = null;
        var rest = s["build".Length..];
        string? version = null;
        if (rest.StartsWith('@'))
        {
            var colon = rest.IndexOf(':');
            version = colon < 0 ? rest[1..] : rest[1..colon];
            rest = colon < 0 ? "" : rest[colon..];
            if (version.Length == 0 || !version.All(c => char.IsAsciiDigit(c) || c == '.'))
            {
                error = $"guest kernel '{s}': the version after build@ must look like 7.1.8";
                return false;
            }
        }

        string? patches = null;
        if (rest.Length > 1)
        {
            patches = Path.GetFullPath(rest[1..], baseDirectory ?? Directory.GetCurrentDirectory());
            if (!Directory.Exists(patches))
            {
                error = $"guest kernel '{s}': patch directory {patches} does not exist";
                return false;
            }
        }

        var value = "build" + (version is null ? "" : "@" + version) + (patches is null ? "" : ":" + patches);
        spec = new GuestKernelSpec("build", value, patches, version);
        return true;
    }
}
