namespace HilBridge.Control.Regression;

/// <summary>Everything one `hilbridge regress` ran, grouped by suite in the order given.</summary>
public sealed record RegressionReport(IReadOnlyList<SuiteReport> Suites, Shard Shard, int Retries, DateTimeOffset StartedAt, TimeSpan Duration)
{
    public IEnumerable<CaseResult> Cases => Suites.SelectMany(s => s.Cases);

    public int Count(CaseStatus status) => Cases.Count(c => c.Status == status);

    public bool Succeeded => Cases.All(c => c.Succeeded) && NotRun == 0;

    /// <summary>Cases of the shard never started: --fail-fast stopped after the first failure.</summary>
    public int NotRun { get; init; }

    /// <summary>The shards a `regress merge` combined ("1/4", ...); empty for one run.</summary>
    public IReadOnlyList<string> MergedFrom { get; init; } = [];
}

public sealed record SuiteReport(Suite Suite, IReadOnlyList<CaseResult> Cases)
{
    public int Count(CaseStatus status) => Cases.Count(c => c.Status == status);

    public TimeSpan Duration => Cases.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration);
}
