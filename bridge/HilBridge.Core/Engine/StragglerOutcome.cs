namespace HilBridge.Core.Engine;

public enum StragglerOutcome
{
    /// <summary>Ran before its translation's invalidation was acknowledged: legal.</summary>
    Allowed,
    /// <summary>Blocked by a fence: the protection working.</summary>
    RefusedFenced,
    /// <summary>Ran after the acknowledgement: a use-after-free.</summary>
    Violation,
}
