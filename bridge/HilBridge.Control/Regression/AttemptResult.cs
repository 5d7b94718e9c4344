using HilBridge.Live.Run;
using HilBridge.Scenarios;

namespace HilBridge.Control.Regression;

/// <summary>One run of a case: its summary (when the run produced one), its verdict and why.</summary>
public sealed record AttemptResult(int Attempt, CaseStatus Status, string Message, string Details, TimeSpan Duration, RunSummary? Summary, string? OutputDirectory)
{
    public bool Passed => Status == CaseStatus.Passed;

    /// <summary>
    /// The verdict of a judged run: passed; failed, naming every expectation that did not hold with
    /// its expected and actual value; or an error when the run aborted.
    /// </summary>
    public static AttemptResult From(int attempt, RunSummary summary, TimeSpan duration, string? outputDirectory)
    {
        var details = summary.Render();
        if (summary.Outcome == RunOutcome.Aborted)
        {
            return new(attempt, CaseStatus.Error, "run aborted: " + (summary.Reason ?? "no reason given"), details, duration, summary, outputDirectory);
        }

        var failed = summary.Expectations.Where(e => !e.Passed).ToList();
        if (summary.Passed && failed.Count == 0)
        {
            return new(attempt, CaseStatus.Passed, "passed", details, duration, summary, outputDirectory);
        }

        var message = failed.Count > 0
            ? string.Join("; ", failed.Select(Describe))
            : $"outcome {summary.Outcome.ToText()}: {summary.Reason ?? "no reason given"}";
        return new(attempt, CaseStatus.Failed, message, details, duration, summary, outputDirectory);
    }

    public static AttemptResult Crashed(int attempt, Exception ex, TimeSpan duration, string? outputDirectory) =>
        new(attempt, CaseStatus.Error, $"{ex.GetType().Name}: {ex.Message}", ex.ToString(), duration, null, outputDirectory);

    /// <summary>"expectation fences failed: expected >= 1, actual 0"; the judge's own expectation says what it means.</summary>
    public static string Describe(ExpectationResult e) => e.Implicit
        ? $"{Judge.NoBridgeIo} (expected {e.Metric} {e.Expected}, actual {e.Actual})"
        : $"expectation {e.Metric} failed: expected {e.Expected}, actual {e.Actual}";
}
