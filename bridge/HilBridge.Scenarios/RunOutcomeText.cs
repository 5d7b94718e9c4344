namespace HilBridge.Scenarios;

/// <summary>
/// The words summary.json, a trace's RunEnd record, JUnit and Markdown have always used. Written out
/// here rather than derived from the enum names, so renaming a member cannot change a file format.
/// </summary>
public static class RunOutcomeText
{
    public static string ToText(this RunOutcome outcome) => outcome switch
    {
        RunOutcome.Completed => "completed",
        RunOutcome.Passed => "passed",
        RunOutcome.Failed => "failed",
        RunOutcome.Aborted => "aborted",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static bool TryParse(string? text, out RunOutcome outcome)
    {
        foreach (var candidate in Enum.GetValues<RunOutcome>())
        {
            if (string.Equals(candidate.ToText(), text, StringComparison.Ordinal))
            {
                outcome = candidate;
                return true;
            }
        }
        outcome = default;
        return false;
    }
}
