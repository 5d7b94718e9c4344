namespace HilBridge.Core.Engine;

/// <summary>
/// How the emulated device answers one invalidation: the rule that applied (null: none did, so it
/// completes at once), its outcome, and the delay before the answer (zero for a drop, which never answers).
/// </summary>
internal readonly record struct FaultDecision(FaultRule? Rule, FaultOutcome Outcome, TimeSpan Delay)
{
    public StragglerSpec? Stragglers => Rule?.Stragglers;
}
