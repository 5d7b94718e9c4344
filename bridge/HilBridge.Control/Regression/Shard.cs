namespace HilBridge.Control.Regression;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, like --shard 2/4). Cases are sorted by
/// their stable id and dealt round-robin, so every machine computes the same split, the shards are
/// disjoint and together cover the suite, and their sizes differ by at most one.
/// (A Kubernetes indexed job passes --shard $((JOB_COMPLETION_INDEX + 1))/$N.)
/// </summary>
public sealed record Shard(int Index, int Count)
{
    public static Shard All { get; } = new(1, 1);

    public static bool TryParse(string text, out Shard shard, out string error)
    {
        shard = All;
        error = "";
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var index) || !int.TryParse(parts[1], out var count))
        {
            error = $"'{text}' is not INDEX/COUNT, e.g. 1/4";
            return false;
        }
        if (count < 1 || index < 1 || index > count)
        {
            error = $"'{text}': INDEX must be 1..COUNT and COUNT at least 1";
            return false;
        }
        shard = new Shard(index, count);
        return true;
    }

    public IReadOnlyList<SuiteCase> Select(IEnumerable<SuiteCase> cases) =>
        cases.OrderBy(c => c.Id, StringComparer.Ordinal)
            .Where((_, i) => i % Count == Index - 1)
            .ToList();

    public override string ToString() => $"{Index}/{Count}";
}
