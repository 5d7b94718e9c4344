namespace HilBridge.Bench.Guest;

/// <summary>Settings of the guest data-path benchmark.</summary>
/// <param name="IommuPairs">Repetitions of the iommu_platform=on pair (the bridge and QEMU's own virtio-blk-pci); null: <paramref name="Repetitions"/>.</param>
public sealed record GuestSettings(int Repetitions, int SecondsPerTest, int SequentialBlockSize, int SpanMiB, int DiskMiB, string Tests, string Kernel, string Initrd,
    int? IommuPairs = null);

/// <summary>One test line of one boot (HB: bench ...), and in an iommu_platform=on boot what QEMU's trace saw meanwhile.</summary>
public sealed record GuestTestResult(string Test, int BlockSize, long Ops, double Seconds, double MegabytesPerSecond, double Iops, long LatencyP50Us, long LatencyP99Us, long Errors, long BadBlocks,
    IommuTraceWindow? Iommu = null);

/// <summary>One boot: a back-end configuration, its tests, and whether the guest verified everything.</summary>
public sealed record GuestBoot(
    string Config, string Peer, bool IommuPlatform, int Repetition, bool Verified, string? Failure,
    double? BootSeconds, double WallSeconds, IReadOnlyList<GuestTestResult> Tests, string? BackendStatistics);

/// <summary>A configuration's test figures over its repetitions: medians (and the spread) of MB/s and IOPS.</summary>
public sealed record GuestSummary(
    string Config, string Test, int BlockSize, int Boots, double MedianMegabytesPerSecond, double MedianIops,
    double MinIops, double MaxIops, double MedianLatencyP50Us, double MedianLatencyP99Us);

/// <summary>
/// <see cref="Config"/> / <see cref="Baseline"/> IOPS of one test, per repetition (the two boots that ran
/// next to each other), their median (drift in machine load between repetitions cancels out) and its
/// 95% bootstrap interval over the repetitions (null in results written before it).
/// </summary>
public sealed record GuestPairedRatio(string Config, string Test, IReadOnlyList<double> Ratios, double Median, string Baseline = "qsd",
    double? Low = null, double? High = null);

public sealed record GuestResults(
    GuestSettings Settings, IReadOnlyList<string> ConfigDescriptions, IReadOnlyList<GuestBoot> Boots, IReadOnlyList<GuestSummary> Summaries,
    IReadOnlyList<GuestPairedRatio> PairedRatios);
