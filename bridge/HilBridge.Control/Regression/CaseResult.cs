namespace HilBridge.Control.Regression;

/// <summary>A case after all its attempts: the final status and every attempt (the failed ones of a flaky case too).</summary>
public sealed record CaseResult(SuiteCase Case, CaseStatus Status, IReadOnlyList<AttemptResult> Attempts)
{
    public AttemptResult Last => Attempts[^1];

    public TimeSpan Duration => Attempts.Aggregate(TimeSpan.Zero, (sum, a) => sum + a.Duration);

    public bool Succeeded => Status is CaseStatus.Passed or CaseStatus.Flaky;

    /// <summary>Why the case is not a plain pass (the last failed attempt's message), or "passed".</summary>
    public string Message => Status switch
    {
        CaseStatus.Flaky => $"flaky: passed at attempt {Attempts.Count} after: {Attempts[0].Message}",
        _ => Last.Message,
    };
}
