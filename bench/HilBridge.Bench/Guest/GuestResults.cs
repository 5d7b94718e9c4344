namespace HilBridge.Bench.Guest;

/// <summary>Settings of the guest data-path benchmark.</summary>
public sealed record GuestSettings(int Repetitions, int SecondsPerTest, int SequentialBlockSize, int SpanMiB, int DiskMiB, string Tests, string Kernel, string Initrd);

/// <summary>One test line of one boot (HB: bench ...).</summary>
public sealed record GuestTestResult(string Test, int BlockSize, long Ops, double Seconds, double MegabytesPerSecond, double Iops, long LatencyP50Us, long LatencyP99Us, long Errors, long BadBlocks);

/// <summary>One boot: a back-end configuration, its tests, and whether the guest verified everything.</summary>
public sealed record GuestBoot(
    string Config, string Peer, bool IommuPlatform, int Repetition, bool Verified, string? Failure,
    double? BootSeconds, double WallSeconds, IReadOnlyList<GuestTestResult> Tests, string? BackendStatistics);

/// <summary>A configuration's test figures over its repetitions: medians (and the spread) of MB/s and IOPS.</summary>
public sealed record GuestSummary(
    string Config, string Test, int BlockSize, int Boots, double MedianMegabytesPerSecond, double MedianIops,
    double MinIops, double MaxIops, double MedianLatencyP50Us, double MedianLatencyP99Us);

/// <summary>
/// HilBridge / qemu-storage-daemon IOPS of one test, per repetition (the two boots that ran next to
/// each other), and their median: drift in machine load between repetitions cancels out.
/// </summary>
public sealed record GuestPairedRatio(string Config, string Test, IReadOnlyList<double> Ratios, double Median);

public sealed record GuestResults(
    GuestSettings Settings, IReadOnlyList<string> ConfigDescriptions, IReadOnlyList<GuestBoot> Boots, IReadOnlyList<GuestSummary> Summaries,
    IReadOnlyList<GuestPairedRatio> PairedRatios);
