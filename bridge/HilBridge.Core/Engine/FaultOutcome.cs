namespace HilBridge.Core.Engine;

/// <summary>How the emulated device answers an invalidation selected by a <see cref="FaultRule"/>.</summary>
public enum FaultOutcome
{
    /// <summary>Positive completion after the rule's delay (and after in-flight accesses and stragglers).</summary>
    Complete,
    /// <summary>The device loses the request: no completion ever, and it keeps using the translations.</summary>
    Drop,
    /// <summary>Negative completion after the rule's delay (zero by default): a non-positive response.</summary>
    Refuse,
}
