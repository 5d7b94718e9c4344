namespace HilBridge.Bench.Report;

/// <summary>One goal, its measured value and whether it holds.</summary>
public sealed record TargetCheck(string Target, string Limit, double? Value, bool? Met, string Note);

/// <summary>The goals the benchmark checks (issues 6 and 16; a missing measurement leaves Met null).</summary>
public static class TargetLimits
{
    public const double BurstVersusFloor = 1.3;
    public const double P50VersusDpdk = 1.5;
    public const double P99VersusDpdk = 2.0;
    public const double AllocatedBytesPerMessage = 0;
    public const double DataPathVersusQsd = 0.95;
    public const double ReplayMillionInputsPerSecond = 5.0;
    public const double ReplayRssGrowth = 1.10;

    public static TargetCheck AtMost(string target, double limit, double? value, string note = "") =>
        new(target, "<= " + limit.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), value, value is { } v && !double.IsNaN(v) ? v <= limit : null, note);

    public static TargetCheck AtLeast(string target, double limit, double? value, string note = "") =>
        new(target, ">= " + limit.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), value, value is { } v && !double.IsNaN(v) ? v >= limit : null, note);
}
