namespace HilBridge.Live.Guest;

/// <summary>A bootable guest: kernel, initramfs and the versions they were built from (versions.env).</summary>
public sealed record GuestImage(string Kernel, string Initrd, IReadOnlyDictionary<string, string> Versions)
{
    public string Describe() =>
        $"kernel {Versions.GetValueOrDefault("KERNEL_VERSION", "?")}, busybox {Versions.GetValueOrDefault("BUSYBOX_VERSION", "?")}, " +
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
