using System.CommandLine;
using System.Text.Json;
using HilBridge.Bench.Guest;

namespace HilBridge.Bench.Commands;

/// <summary>`guest`: part 2, the guest data path through qemu-storage-daemon and HilBridge, and with the IOMMU on through HilBridge and QEMU's virtio-blk-pci; writes OUT/guest.json.</summary>
internal static class GuestCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Required = true, Description = "Output directory" };
        var kernel = new Option<string>("--kernel") { Required = true, Description = "Guest kernel (the cached guest's vmlinuz)" };
        var initrd = new Option<string>("--initrd") { Required = true, Description = "Bench initramfs (with /bin/hbbench)" };
        var reps = new Option<int>("--repetitions") { DefaultValueFactory = _ => 3 };
        var iommuPairs = new Option<int?>("--iommu-pairs") { Description = "Pairs of iommu_platform=on boots (HilBridge, QEMU's virtio-blk-pci); default: --repetitions" };
        var seconds = new Option<int>("--seconds") { DefaultValueFactory = _ => 5, Description = "Guest seconds per test" };
        var seqBs = new Option<int>("--seq-bs") { DefaultValueFactory = _ => 131072, Description = "Sequential request size in bytes" };
        var span = new Option<int>("--span-mib") { DefaultValueFactory = _ => 64, Description = "Disk area the tests use" };
        var disk = new Option<int>("--disk-mib") { DefaultValueFactory = _ => 128 };
        var tests = new Option<string>("--tests") { DefaultValueFactory = _ => "seqwrite,seqread,randwrite,randread" };
        var qemu = new Option<string>("--qemu") { DefaultValueFactory = _ => "qemu-system-aarch64" };
        var qsd = new Option<string>("--qsd") { DefaultValueFactory = _ => "qemu-storage-daemon" };
        var command = new Command("guest", "Guest O_DIRECT throughput: HilBridge vs qemu-storage-daemon, and with the IOMMU on vs QEMU's virtio-blk-pci")
        {
            output, kernel, initrd, reps, iommuPairs, seconds, seqBs, span, disk, tests, qemu, qsd,
        };
        command.SetAction(parse =>
        {
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(dir);
            var settings = new GuestSettings(parse.GetValue(reps), parse.GetValue(seconds), parse.GetValue(seqBs), parse.GetValue(span),
                parse.GetValue(disk), parse.GetValue(tests)!, Path.GetFullPath(parse.GetValue(kernel)!), Path.GetFullPath(parse.GetValue(initrd)!),
                parse.GetValue(iommuPairs));
            var results = new GuestBenchmark(settings, parse.GetValue(qemu)!, parse.GetValue(qsd)!, dir, Console.Error.WriteLine).Run();
            File.WriteAllText(Path.Combine(dir, "guest.json"), JsonSerializer.Serialize(results, BenchJson.Options));
            Console.Error.WriteLine("wrote " + Path.Combine(dir, "guest.json"));
            return results.Boots.All(b => b.Verified) ? 0 : 1;
        });
        return command;
    }
}
