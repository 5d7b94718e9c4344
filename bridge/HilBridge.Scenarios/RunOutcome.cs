namespace HilBridge.Scenarios;

/// <summary>How a run ended. On disk and on the wire it is the lowercase word (<see cref="RunOutcomeText"/>).</summary>
public enum RunOutcome
{
    /// <summary>The guest finished and nothing has judged the run yet.</summary>
    Completed,
    /// <summary>Judged: every expectation held.</summary>
    Passed,
    /// <summary>Judged: at least one expectation did not hold.</summary>
    Failed,
    /// <summary>The run did not finish (QEMU died, the guest timed out, a launch failed); judging keeps it.</summary>
    Aborted,
}
