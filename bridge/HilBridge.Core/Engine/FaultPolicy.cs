namespace HilBridge.Core.Engine;

/// <summary>
/// Pure data deciding how the emulated device answers each invalidation: an ordered list of rules, the
/// first applicable one decides; when none applies the device completes at once with no stragglers.
/// The host builds it from a scenario file or at run time; see <see cref="AtsEngine.SetPolicy"/>.
/// </summary>
public sealed record FaultPolicy
{
    /// <summary>Rules in priority order: <c>new FaultPolicy(rule1, rule2)</c>, <c>new FaultPolicy([..])</c> or a list.</summary>
    /// <exception cref="ArgumentException">A rule is invalid (e.g. EveryNth 0, probability outside [0, 1]).</exception>
    public FaultPolicy(params IReadOnlyList<FaultRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules.ToArray();
        foreach (var rule in Rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            rule.Validate();
        }
    }

    /// <summary>A well-behaved device: every invalidation completes immediately.</summary>
    public static FaultPolicy None { get; } = new(Array.Empty<FaultRule>());

    public IReadOnlyList<FaultRule> Rules { get; }
}
