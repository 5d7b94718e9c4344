using System.Globalization;
using HilBridge.Scenarios;

namespace HilBridge.Live.Soak;

/// <summary>How long and how hard a soak runs (`hilbridge soak DURATION`). Bound from the "Soak" section.</summary>
public sealed class SoakOptions
{
    public const string Section = "Soak";

    /// <summary>Guest I/O time, wall clock, not counting boots.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Seeds the choice of policies and epochs (and the engine's generator): same seed, same schedule.</summary>
    public ulong Seed { get; set; } = 1;

    public string OutputDirectory { get; set; } = "out/soak";

    /// <summary>Each fault policy holds for a random time in [EpochMin, EpochMax].</summary>
    public TimeSpan EpochMin { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan EpochMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>4 KiB blocks per guest round (write, read back, compare).</summary>
    public int Blocks { get; set; } = 256;

    /// <summary>How often the bridge's memory is sampled.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The guest kernel, spelled as run's --guest-kernel (<see cref="Guest.GuestKernelSpec"/>: stable,
    /// unstable, build[@VERSION][:PATCH_DIR] or an Image's path); null: stable.
    /// </summary>
    public string? GuestKernel { get; set; }

    /// <summary>Record a replayable trace of each guest run (large for a long soak).</summary>
    public bool Record { get; set; }

    /// <summary>The IOMMU every guest run is behind (`soak --iommu`); null: SMMUv3.</summary>
    public IommuKind? Iommu { get; set; }

    /// <summary>"30m", "1h", "90s", "45min", "600" (seconds).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var (number, unit) = t switch
        {
            _ when t.EndsWith("min", StringComparison.Ordinal) => (t[..^3], 60.0),
            _ when t.EndsWith('h') => (t[..^1], 3600.0),
            _ when t.EndsWith('m') => (t[..^1], 60.0),
            _ when t.EndsWith('s') => (t[..^1], 1.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || value * unit > 7 * 86400)
        {
            throw new FormatException($"'{text}' is not a duration like 30m, 1h or 90s");
        }

        return TimeSpan.FromSeconds(value * unit);
    }
}
