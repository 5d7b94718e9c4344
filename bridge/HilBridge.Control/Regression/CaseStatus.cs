namespace HilBridge.Control.Regression;

public enum CaseStatus
{
    /// <summary>Passed at the first attempt.</summary>
    Passed,
    /// <summary>Failed at least once, then passed on a retry.</summary>
    Flaky,
    /// <summary>The run completed but an expectation did not hold (every attempt).</summary>
    Failed,
    /// <summary>The run could not be judged: aborted (guest timeout, QEMU died, a control action failed), or the scenario did not load.</summary>
    Error,
}
