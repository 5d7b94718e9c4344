namespace HilBridge.Bench.Guest;

/// <summary>
/// Part 2: the same guest workload through qemu-storage-daemon and through HilBridge, both with
/// iommu_platform off (the daemon cannot do it), taking turns in every repetition (the order flips
/// each time); then, in pairs of their own, HilBridge and QEMU's in-process virtio-blk-pci, both with
/// iommu_platform=on behind the same vSMMUv3 and strict invalidation (iommu.strict=1, every unmap an
/// IOTLB invalidation), also taking turns. Every boot gets a fresh back-end process and a fresh sparse
/// disk; the iommu boots trace QEMU's IOMMU events (<see cref="IommuTrace"/>).
/// </summary>
internal sealed class GuestBenchmark(GuestSettings settings, string qemuBinary, string qsdBinary, string outputDirectory, Action<string> progress)
{
    private sealed record Config(string Name, Func<GuestPeer> Peer, bool Iommu, string Description);

    public const string Qsd = "qsd";
    public const string HilBridge = "hilbridge";
    public const string HilBridgeIommu = "hilbridge-iommu";
    public const string BuiltInIommu = "qemu-virtio-blk-iommu";

    public GuestResults Run()
    {
        var run = Path.Combine(outputDirectory, "run");
        var logs = Path.Combine(outputDirectory, "guest-logs");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(logs);
        Config qsd = new(Qsd, () => new QsdPeer(qsdBinary), false, "qemu-storage-daemon 7.2 vhost-user-blk export, iommu_platform=off");
        Config hb = new(HilBridge, () => new HilBridgeGuestPeer(), false, "HilBridge, iommu_platform=off");
        Config hbIommu = new(HilBridgeIommu, () => new HilBridgeGuestPeer(), true, "HilBridge, iommu_platform=on,ats=on, guest iommu.strict=1");
        Config builtIn = new(BuiltInIommu, () => new BuiltInGuestPeer(), true,
            "QEMU's in-process virtio-blk-pci, iommu_platform=on,ats=on, same vSMMUv3, guest iommu.strict=1");
        var runner = new GuestBootRunner(settings, qemuBinary);
        var boots = new List<GuestBoot>();
        var iommuPairs = settings.IommuPairs ?? settings.Repetitions;
        for (var rep = 1; rep <= Math.Max(settings.Repetitions, iommuPairs); rep++)
        {
            var order = new List<Config>();
            if (rep <= settings.Repetitions)
            {
                order.AddRange(rep % 2 == 1 ? [qsd, hb] : [hb, qsd]);
            }

            if (rep <= iommuPairs)
            {
                order.AddRange(rep % 2 == 1 ? [hbIommu, builtIn] : [builtIn, hbIommu]);
            }

            foreach (var config in order)
            {
                progress($"repetition {rep}: {config.Name}");
                boots.Add(BootOnce(runner, config, rep, run, logs));
                var last = boots[^1];
                progress($"  {(last.Verified ? "ok" : "FAILED: " + last.Failure)}; " +
                         string.Join(", ", last.Tests.Select(t => $"{t.Test} {t.MegabytesPerSecond:F1} MB/s {t.Iops:F0} IOPS")));
            }
        }
        return new GuestResults(settings, [.. new[] { qsd, hb, hbIommu, builtIn }.Select(c => c.Name + ": " + c.Description)],
            boots, Summarize(boots), [.. Paired(boots, HilBridge, Qsd), .. Paired(boots, HilBridgeIommu, Qsd), .. Paired(boots, HilBridgeIommu, BuiltInIommu)]);
    }

    private GuestBoot BootOnce(GuestBootRunner runner, Config config, int rep, string run, string logs)
    {
        var socket = Path.Combine(run, "blk.sock");
        var disk = Path.Combine(run, "guest-disk.img");
        File.Delete(socket);
        var label = $"{config.Name}-r{rep}";
        using var peer = config.Peer();
        try
        {
            peer.Start(socket, disk, settings.DiskMiB, Path.Combine(logs, label + ".backend.log"));
            var trace = config.Iommu ? Path.Combine(logs, label + ".qemu-trace.log") : null;
            var (verified, failure, bootSeconds, wall, tests) = runner.Boot(peer, socket, config.Iommu, run, Path.Combine(logs, label + ".console.log"), trace);
            return new GuestBoot(config.Name, peer.Name, config.Iommu, rep, verified, failure, bootSeconds, wall, tests, peer.Statistics());
        }
        catch (BenchException ex)
        {
            return new GuestBoot(config.Name, peer.Name, config.Iommu, rep, false, ex.Message, null, 0, [], null);
        }
        finally
        {
            File.Delete(disk);
        }
    }

    /// <summary>Per repetition: <paramref name="config"/>'s IOPS over <paramref name="baseline"/>'s, where both boots verified.</summary>
    internal static IEnumerable<GuestPairedRatio> Paired(List<GuestBoot> boots, string config, string baseline)
    {
        var tests = boots.SelectMany(b => b.Tests.Select(t => t.Test)).Distinct();
        foreach (var test in tests)
        {
            var ratios = new List<double>();
            foreach (var rep in boots.Select(b => b.Repetition).Distinct())
            {
                var ours = Find(boots, config, rep, test);
                var theirs = Find(boots, baseline, rep, test);
                if (ours is not null && theirs is { Iops: > 0 })
                {
                    ratios.Add(ours.Iops / theirs.Iops);
                }
            }
            if (ratios.Count > 0)
            {
                var interval = Bootstrap.MedianOfRatios(ratios);
                yield return new GuestPairedRatio(config, test, ratios, SampleStats.Median(ratios), baseline, interval?.Low, interval?.High);
            }
        }
    }

    private static GuestTestResult? Find(List<GuestBoot> boots, string config, int rep, string test) =>
        boots.FirstOrDefault(b => b.Config == config && b.Repetition == rep && b.Verified)?.Tests.FirstOrDefault(t => t.Test == test);

    /// <summary>Medians over the verified boots of each configuration (a failed boot is reported, not averaged in).</summary>
    private static List<GuestSummary> Summarize(List<GuestBoot> boots) =>
        boots.Where(b => b.Verified)
            .SelectMany(b => b.Tests.Select(t => (b.Config, Test: t)))
            .GroupBy(x => (x.Config, x.Test.Test, x.Test.BlockSize))
            .Select(g => new GuestSummary(g.Key.Config, g.Key.Test, g.Key.BlockSize, g.Count(),
                SampleStats.Median(g.Select(x => x.Test.MegabytesPerSecond)), SampleStats.Median(g.Select(x => x.Test.Iops)),
                g.Min(x => x.Test.Iops), g.Max(x => x.Test.Iops),
                SampleStats.Median(g.Select(x => (double)x.Test.LatencyP50Us)), SampleStats.Median(g.Select(x => (double)x.Test.LatencyP99Us))))
            .ToList();
}
