namespace HilBridge.Live.Qemu;

/// <summary>Paths of the per-run endpoints QEMU connects to or writes.</summary>
public sealed record QemuEndpoints(string VhostSocket, string QmpSocket, string? TraceFile, string? AtsPortSocket = null);

/// <summary>
/// Builds QEMU's argument list: the machine with its IOMMU (<see cref="IommuProfile"/>), shared memfd RAM, a
/// root port with the vhost-user-blk device (behind the port it gets its ATS capability).
/// </summary>
public static class QemuCommandLine
{
    public static IReadOnlyList<string> Build(QemuOptions options, QemuEndpoints endpoints)
    {
        var profile = options.Profile;
        var kernelArgs = profile.KernelCommandLine(options);
        var append = string.IsNullOrWhiteSpace(options.WorkloadArguments)
            ? kernelArgs
            : kernelArgs + " " + options.WorkloadArguments;
        var device = "vhost-user-blk-pci,chardev=vhost0,bus=rp0,id=hbdev,disable-legacy=on,num-queues=" + options.QueueCount;
        if (options.IommuPlatform)
        {
            device += ",iommu_platform=on,ats=on";
        }

        var args = new List<string>(profile.MachineArguments(options, endpoints))
        {
            "-m", options.MemoryMiB + "M", "-smp", (options.Cpus ?? profile.DefaultCpus).ToString(),
            // The back-end must map guest RAM, so it lives in a shared memfd.
            "-object", $"memory-backend-memfd,id=mem,size={options.MemoryMiB}M,share=on",
            "-numa", "node,memdev=mem",
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
            "-kernel", options.Kernel, "-initrd", options.Initrd, "-append", append,
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
            "-chardev", "socket,id=vhost0,path=" + endpoints.VhostSocket + (options.VhostReconnectSeconds is { } r ? ",reconnect=" + r : ""),
            "-device", device,
            "-qmp", $"unix:{endpoints.QmpSocket},server=on,wait=off",
        };
        if (endpoints.TraceFile is not null)
        {
            foreach (var name in options.TraceEvents ?? profile.TraceEvents)
            {
                args.AddRange(["-trace", name]);
            }

            args.AddRange(["-D", endpoints.TraceFile]);
        }
        return args;
    }

    /// <summary>A shell-ready rendering, for `hilbridge serve` and logs.</summary>
    public static string Render(string binary, IEnumerable<string> args) =>
        string.Join(' ', new[] { binary }.Concat(args).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_=,./:+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
