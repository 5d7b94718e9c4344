namespace HilBridge.Live.Guest;

/// <summary>One "HB: kind key=value ..." line printed by the guest workload on its serial console.</summary>
public sealed record GuestReport(string Kind, IReadOnlyDictionary<string, string> Fields, TimeSpan ReceivedAfterLaunch)
{
    public string? Get(string key) => Fields.TryGetValue(key, out var v) ? v : null;

    public long GetLong(string key, long fallback = 0) => long.TryParse(Get(key), out var v) ? v : fallback;

    public double GetDouble(string key, double fallback = 0) =>
        double.TryParse(Get(key), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public bool GetFlag(string key) => Get(key) == "1";

    /// <summary>"round n=1 ok=1 ...": the report as one line for people.</summary>
    public string Describe() => Fields.Count == 0 ? Kind : Kind + " " + string.Join(" ", Fields.Select(p => $"{p.Key}={p.Value}"));
}
