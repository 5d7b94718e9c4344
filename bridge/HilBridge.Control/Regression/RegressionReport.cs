namespace HilBridge.Control.Regression;

/// <summary>Everything one `hilbridge regress` ran, grouped by suite in the order given.</summary>
public sealed record RegressionReport(IReadOnlyList<SuiteReport> Suites, Shard Shard, int Retries, DateTimeOffset StartedAt, TimeSpan Duration)
{
    public IEnumerable<CaseResult> Cases => Suites.SelectMany(s => s.Cases);

    public int Count(CaseStatus status) => Cases.Count(c => c.Status == status);

    public bool Succeeded => Cases.All(c => c.Succeeded);
}

public sealed record SuiteReport(Suite Suite, IReadOnlyList<CaseResult> Cases)
{
    public int Count(CaseStatus status) => Cases.Count(c => c.Status == status);

    public TimeSpan Duration => Cases.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration);
}
