using System.Globalization;
using HilBridge.Scenarios;
using HilBridge.Traces.Import;

namespace HilBridge.Live.Qemu;

/// <summary>
/// Stock QEMU's Intel VT-d (intel-iommu) on the x86_64 q35 machine with Debian's amd64 guest, as measured in
/// the lab notes: device-iotlb=on so the guest enables ATS on the device behind its root port and sends a
/// device-IOTLB invalidation descriptor per unmap (each one vhost-user INVALIDATE to the bridge);
/// caching-mode=on so every attach and detach invalidates the device's context entry by its source-id;
/// qboot as BIOS (SeaBIOS leaves a DMAR fault behind). QEMU runs the invalidation queue on the vCPU that
/// writes its tail, so the vCPU stalls until the bridge answers; it has no Invalidation Time-out Error.
/// With <see cref="QemuOptions.GuestVisibleAts"/> the patched intel-iommu (qemu-scripts/patches-vtd/)
/// sends the device-IOTLB invalidations over the ATS port instead, holds the wait descriptor after them
/// until the bridge completes them, and raises the Invalidation Time-out Error when its own timeout expires.
/// </summary>
public sealed class VtdProfile : IommuProfile
{
    public static VtdProfile Instance { get; } = new();

    public const string Binary = "qemu-system-x86_64";

    /// <summary>Debian's qemu-system-data.</summary>
    public const string Firmware = "/usr/share/qemu/qboot.rom";

    public override IommuKind Kind => IommuKind.Vtd;

    public override string GuestArch => "amd64";

    public override string DefaultBinary => Binary;

    /// <summary>
    /// One vCPU: with two (multi-threaded TCG) the x86 guest marks its TSCs unsynchronized, and once, after a
    /// PCI remove/rescan under heavy host load, CPU 0 idled in HLT without its timer wakeup for 230 s (an
    /// RCU stall; the workload never finished). Single-threaded TCG instead failed the kernel's boot check
    /// of the timer through the interrupt-remapped IO-APIC. The invalidation queue runs on one vCPU anyway.
    /// </summary>
    public override int DefaultCpus => 1;

    /// <summary>no_timer_check: the kernel's boot test of the IO-APIC timer counts ticks over a busy wait, which TCG on a loaded host can fail (a panic).</summary>
    public override string DefaultKernelCommandLine => "console=ttyS0 intel_iommu=on iommu.strict=1 no_timer_check panic=-1";

    public override string TraceEventPrefix => "vtd_";

    public override string GuestVisibleAtsFirmware => Firmware;

    public override string GuestVisibleAtsFirmwarePackage => "qemu-system-data";

    /// <summary>One line per descriptor (its type), and the context-cache invalidations with their scope.</summary>
    public override IReadOnlyList<string> TraceEvents { get; } =
        ["vtd_inv_desc", "vtd_inv_desc_cc_devices", "vtd_inv_desc_cc_domain", "vtd_inv_desc_cc_global"];

    // TCG only: /dev/kvm on these machines cannot run a stock guest. -msg timestamp=on stamps each trace
    // line, which times the vCPU's stall per descriptor.
    public override IEnumerable<string> MachineArguments(QemuOptions options, QemuEndpoints endpoints)
    {
        const string Iommu = "intel-iommu,intremap=on,device-iotlb=on,caching-mode=on";
        if (options.GuestVisibleAts is not { } ats)
        {
            return ["-accel", "tcg", "-M", "q35", "-cpu", "max", "-bios", Firmware, "-device", Iommu, "-msg", "timestamp=on"];
        }

        if (endpoints.AtsPortSocket is not { } socket)
        {
            throw new ArgumentException("guest-visible ATS needs the ATS port socket", nameof(endpoints));
        }

        var timeoutMs = (long)Math.Ceiling(Math.Max(0, ats.AtcInvalidationTimeout.TotalMilliseconds));
        return
        [
            "-accel", "tcg", "-M", "q35", "-cpu", "max", "-bios", ats.Firmware,
            // The chardev comes first: -device resolves ats-port by id. Reconnects like the vhost-user socket.
            "-chardev", "socket,id=hbats,path=" + socket + (options.VhostReconnectSeconds is { } r ? ",reconnect=" + r : ""),
            "-device", Iommu + ",ats-port=hbats,ats-timeout-ms=" + Math.Min(timeoutMs, uint.MaxValue),
            "-msg", "timestamp=on",
        ];
    }

    public override IommuTraceObservation Observe(SmmuTraceEvent e)
    {
        switch (e.Name)
        {
            case "vtd_inv_desc":
                var type = DescriptorType(e.Message);
                return new(type) { Queued = true, WaitsForDevice = type == VtdDescriptors.DeviceIotlb };
            case "vtd_inv_desc_cc_devices" when Hex(e.Message, "sid ") is { } sid:
                return new(null) { ContextFirst = sid, ContextCount = 1 };
            case "vtd_inv_desc_cc_domain" or "vtd_inv_desc_cc_global":
                return new(null) { AllContexts = true };
            default:
                return new(null);
        }
    }

    /// <summary>"invalidate desc type device high 0x... low 0x..." -> device-iotlb (QEMU's other names as they are).</summary>
    private static string DescriptorType(string message)
    {
        const string Key = "type ";
        var at = message.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return "unknown";
        }

        var rest = message.AsSpan(at + Key.Length);
        var end = rest.IndexOf(' ');
        var type = (end < 0 ? rest : rest[..end]).ToString();
        return type switch
        {
            "device" or "dev-iotlb" => VtdDescriptors.DeviceIotlb,
            "invalidation-wait" => VtdDescriptors.Wait,
            _ => type,
        };
    }

    /// <summary>The 0x number after <paramref name="key"/> in a message ("sid 0x100 fmask 0x0").</summary>
    private static uint? Hex(string message, string key)
    {
        var at = message.IndexOf(key + "0x", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = message.AsSpan(at + key.Length + 2);
        var end = rest.IndexOf(' ');
        return uint.TryParse(end < 0 ? rest : rest[..end], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
