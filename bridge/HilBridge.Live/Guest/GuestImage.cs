using HilBridge.Scenarios;

namespace HilBridge.Live.Guest;

/// <summary>A bootable guest: kernel, initramfs and the versions they were built from (versions.env).</summary>
public sealed record GuestImage(string Kernel, string Initrd, IReadOnlyDictionary<string, string> Versions)
{
    /// <summary>The kernel's release and source, from versions.env (setup.sh's stable guest carries no KERNEL_SOURCE).</summary>
    public GuestKernelInfo KernelInfo
    {
        get
        {
            string Get(string key) => Versions.GetValueOrDefault(key, "");
            var source = Versions.GetValueOrDefault("KERNEL_SOURCE") ?? (Get("KERNEL_VERSION") == "custom" ? "custom" : GuestKernelSpec.Stable);
            var detail = source switch
            {
                "build" => $"linux {Get("SOURCE_VERSION")} + {PatchCount(Get("PATCHES"))} patches{(Get("PATCH_DIR") is { Length: > 0 } dir ? " from " + dir : "")}, build {Get("BUILD_KEY")}",
                "file" or "custom" => Kernel,
                _ => $"{Get("KERNEL_PACKAGE")} {Get("KERNEL_PACKAGE_VERSION")}".Trim(),
            };
            return new GuestKernelInfo(Versions.GetValueOrDefault("KERNEL_VERSION") ?? "unknown", source, detail);
        }
    }

    private static int PatchCount(string patches) => patches.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    public string Describe() =>
        $"kernel {Versions.GetValueOrDefault("KERNEL_VERSION", "?")} ({KernelInfo.Source}), busybox {Versions.GetValueOrDefault("BUSYBOX_VERSION", "?")}, " +
        $"QEMU {Versions.GetValueOrDefault("QEMU_VERSION", "?")}";

    public static GuestImage Load(string directory)
    {
        var envFile = Path.Combine(directory, "versions.env");
        if (!File.Exists(envFile))
        {
            throw new GuestImageException($"{envFile} is missing: run qemu-scripts/setup.sh");
        }

        var versions = File.ReadLines(envFile)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2 && !p[0].StartsWith('#'))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"', '\''));
        // So the trace header (which keeps these versions) names the kernel's source too.
        versions.TryAdd("KERNEL_SOURCE", versions.GetValueOrDefault("KERNEL_VERSION") == "custom" ? "custom" : GuestKernelSpec.Stable);
        var kernel = versions.GetValueOrDefault("KERNEL") ?? Path.Combine(directory, "vmlinuz");
        var initrd = versions.GetValueOrDefault("INITRD") ?? Path.Combine(directory, "initrd.gz");
        foreach (var file in new[] { kernel, initrd })
        {
            if (!File.Exists(file))
            {
                throw new GuestImageException($"guest file {file} is missing: run qemu-scripts/setup.sh");
            }
        }

        return new GuestImage(kernel, initrd, versions);
    }
}

public sealed class GuestImageException(string message) : Exception(message);
