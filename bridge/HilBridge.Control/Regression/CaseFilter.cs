using System.Text.RegularExpressions;

namespace HilBridge.Control.Regression;

/// <summary>
/// Narrows the loaded suites to the cases asked for (-k PATTERN, --last-failed) before sharding, so every shard
/// of a CI matrix filters the same way and the split stays stable.
/// </summary>
public static class CaseFilter
{
    /// <param name="pattern">Matched against the case id and its display name, case-insensitively, anywhere in them (as pytest -k):
    /// a substring, in which * and ? are wildcards ("fence*ats" matches "suite/stragglers-fence [ats]...").</param>
    /// <param name="onlyIds">Case ids to keep (the last run's failures); null keeps all.</param>
    public static List<Suite> Apply(IReadOnlyList<Suite> suites, string? pattern, IReadOnlySet<string>? onlyIds)
    {
        var matches = Matcher(pattern);
        return suites
            .Select(s => s with { Cases = s.Cases.Where(c => (onlyIds is null || onlyIds.Contains(c.Id)) && (matches(c.Id) || matches(c.DisplayName))).ToList() })
            .ToList();
    }

    internal static Func<string, bool> Matcher(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return _ => true;
        }

        if (pattern.IndexOfAny(['*', '?']) < 0)
        {
            return text => text.Contains(pattern, StringComparison.OrdinalIgnoreCase);
        }

        var regex = new Regex(Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", "."), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return regex.IsMatch;
    }
}
