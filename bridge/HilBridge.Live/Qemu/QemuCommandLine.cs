namespace HilBridge.Live.Qemu;

/// <summary>Paths of the per-run endpoints QEMU connects to or writes.</summary>
public sealed record QemuEndpoints(string VhostSocket, string QmpSocket, string? TraceFile, string? AtsPortSocket = null);

/// <summary>Builds QEMU's argument list: virt + SMMUv3, shared memfd RAM, a root port with the vhost-user-blk device.</summary>
public static class QemuCommandLine
{
    public static IReadOnlyList<string> Build(QemuOptions options, QemuEndpoints endpoints)
    {
        var ats = options.GuestVisibleAts;
        var kernelArgs = ats is null ? options.KernelCommandLine : options.KernelCommandLine + " acpi=force";
        var append = string.IsNullOrWhiteSpace(options.WorkloadArguments)
            ? kernelArgs
            : kernelArgs + " " + options.WorkloadArguments;
        var device = "vhost-user-blk-pci,chardev=vhost0,bus=rp0,id=hbdev,disable-legacy=on,num-queues=" + options.QueueCount;
        if (options.IommuPlatform)
        {
            device += ",iommu_platform=on,ats=on";
        }

        var args = new List<string>
        {
            "-M", ats is null ? "virt,iommu=smmuv3" : "virt,iommu=smmuv3,ats=on", "-cpu", "max",
            "-m", options.MemoryMiB + "M", "-smp", options.Cpus.ToString(),
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
        if (ats is not null)
        {
            args.AddRange(AtsArguments(ats, endpoints, options.VhostReconnectSeconds));
        }

        if (endpoints.TraceFile is not null)
        {
            foreach (var name in options.TraceEvents)
            {
                args.AddRange(["-trace", name]);
            }

            args.AddRange(["-D", endpoints.TraceFile]);
        }
        return args;
    }

    /// <summary>UEFI boot, and the SMMU's ATS port as a chardev client of the bridge's socket.</summary>
    private static IEnumerable<string> AtsArguments(GuestVisibleAtsOptions ats, QemuEndpoints endpoints, int? reconnectSeconds)
    {
        if (endpoints.AtsPortSocket is not { } socket)
        {
            throw new ArgumentException("guest-visible ATS needs the ATS port socket", nameof(endpoints));
        }

        var timeoutMs = (long)Math.Ceiling(Math.Max(0, ats.AtcInvalidationTimeout.TotalMilliseconds));
        return
        [
            "-bios", ats.Firmware,
            // The bridge serves both sockets: a QEMU that reconnects to one reconnects to the other (the SMMU
            // then sends its outstanding ATC invalidations again).
            "-chardev", "socket,id=hbats,path=" + socket + (reconnectSeconds is { } r ? ",reconnect=" + r : ""),
            "-global", "arm-smmuv3.ats-port=hbats",
            "-global", "arm-smmuv3.ats-timeout-ms=" + Math.Min(timeoutMs, uint.MaxValue),
        ];
    }

    /// <summary>A shell-ready rendering, for `hilbridge serve` and logs.</summary>
    public static string Render(string binary, IEnumerable<string> args) =>
        string.Join(' ', new[] { binary }.Concat(args).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_=,./:+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
