using System.Globalization;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>Parses the small value languages of scenario files: durations, distributions, numbers.</summary>
public static class ScenarioValues
{
    /// <summary>"1.5s", "20ms", "100us", "60" (seconds).</summary>
    public static TimeSpan ParseDuration(string text, string field)
    {
        var t = text.Trim().ToLowerInvariant();
        (string number, double scale) = t switch
        {
            _ when t.EndsWith("ms") => (t[..^2], 1e-3),
            _ when t.EndsWith("us") => (t[..^2], 1e-6),
            _ when t.EndsWith("min") => (t[..^3], 60),
            _ when t.EndsWith('s') => (t[..^1], 1),
            _ => (t, 1),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            throw new ScenarioException($"{field}: '{text}' is not a duration like 1s, 20ms or 100us");
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    /// <summary>"none", "fixed 20ms", "uniform 1ms 5ms", "exponential 2ms", "lognormal MU SIGMA" (of seconds).</summary>
    public static Distribution ParseDistribution(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Distribution.None;
        }

        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double Seconds(int i) => i < words.Length ? ParseDuration(words[i], field).TotalSeconds
            : throw new ScenarioException($"{field}: '{text}' lacks a value");
        double Number(int i) => i < words.Length && double.TryParse(words[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ScenarioException($"{field}: '{text}' needs two numbers: lognormal MU SIGMA");
        try
        {
            return words[0].ToLowerInvariant() switch
            {
                "none" => Distribution.None,
                "fixed" => Distribution.Fixed(Seconds(1)),
                "uniform" => Seconds(1) <= Seconds(2) ? Distribution.Uniform(Seconds(1), Seconds(2))
                    : throw new ScenarioException($"{field}: '{text}': uniform MIN MAX needs MIN <= MAX"),
                "exponential" => Distribution.Exponential(Seconds(1)),
                "lognormal" => Distribution.LogNormal(Number(1), Number(2)),
                _ => throw new ScenarioException($"{field}: unknown distribution '{words[0]}' (none, fixed, uniform, exponential, lognormal)"),
            };
        }
        catch (ArgumentException ex)
        {
            // The factories' own checks (finite, not negative), whose messages name C# parameters.
            throw new ScenarioException($"{field}: '{text}' is out of range (durations >= 0, numbers finite)", ex);
        }
    }

    /// <summary>Decimal or 0x-prefixed hexadecimal.</summary>
    public static ulong ParseAddress(string text, string field)
    {
        var t = text.Trim().Replace("_", "");
        var ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        return ok ? v : throw new ScenarioException($"{field}: '{text}' is not an address");
    }

    public static TimeSpan ParseTimeout(string? text, string field = "engine.timeout") => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "arm-smmu-v3" => EngineOptions.ArmSmmuV3Timeout,
        "amd-vi" => EngineOptions.AmdViTimeout,
        "pcie" => EngineOptions.PcieTimeout,
        _ => ParseDuration(text, field),
    };
}
