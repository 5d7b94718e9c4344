using System.Runtime.CompilerServices;

namespace HilBridge.Core.Engine;

/// <summary>
/// Applies the <see cref="FaultPolicy"/>: picks the rule, outcome and delay for each invalidation and the
/// delays of its stragglers. Owns the per-rule counters (EveryNth, Limit) and the seeded generator.
/// </summary>
/// <remarks>
/// The generator is drawn in a fixed order (rule probabilities, then the answer's delay, then each
/// straggler's delay) that depends on inputs alone: recorded traces replay through this exact stream.
/// No lock: it lives inside <see cref="AtsEngine"/>, whose calls the host serializes.
/// </remarks>
internal sealed class FaultRuleSelector
{
    private readonly DeterministicRandom _random;
    private long[] _ruleMatches;
    private long[] _ruleApplied;

    public FaultRuleSelector(FaultPolicy policy, ulong seed)
    {
        _random = new DeterministicRandom(seed);
        Policy = policy;
        _ruleMatches = new long[policy.Rules.Count];
        _ruleApplied = new long[policy.Rules.Count];
    }

    public FaultPolicy Policy { get; private set; }

    /// <summary>Replaces the policy; rule counters restart, the generator does not.</summary>
    public void SetPolicy(FaultPolicy policy)
    {
        Policy = policy;
        _ruleMatches = new long[policy.Rules.Count];
        _ruleApplied = new long[policy.Rules.Count];
    }

    /// <summary>Decides how the device answers an invalidation of [first, last] arriving <paramref name="sinceStart"/> after engine start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FaultDecision Decide(uint? streamId, ulong first, ulong last, TimeSpan sinceStart, TranslationLedger ledger)
    {
        var rule = Select(streamId, first, last, sinceStart, ledger);
        var outcome = rule?.Outcome ?? FaultOutcome.Complete;
        var delay = rule is null || outcome == FaultOutcome.Drop ? TimeSpan.Zero : rule.Delay.Sample(_random);
        return new FaultDecision(rule, outcome, delay);
    }

    /// <summary>Draws the delay, after the invalidation's arrival, of one straggler of <paramref name="spec"/>.</summary>
    public TimeSpan StragglerDelay(StragglerSpec spec) => spec.Delay.Sample(_random);

    /// <summary>The first rule whose scope matches and whose selection passes; null means "complete at once".</summary>
    private FaultRule? Select(uint? streamId, ulong first, ulong last, TimeSpan sinceStart, TranslationLedger ledger)
    {
        var rules = Policy.Rules;
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!rule.ScopeMatches(streamId, first, last, sinceStart))
            {
                continue;
            }

            // Payload stragglers need a payload translation to go through: other invalidations are out of scope.
            if (rule.Stragglers is { } spec && !ledger.HasStragglerTarget(first, last, spec))
            {
                continue;
            }

            long matches = ++_ruleMatches[i];
            if (rule.EveryNth is int n && matches % n != 0)
            {
                continue;
            }

            if (rule.Limit is int limit && _ruleApplied[i] >= limit)
            {
                continue;
            }

            // Drawn only when a probability is set, after EveryNth: the stream position depends on inputs alone.
            if (rule.Probability is double p && !(_random.NextDouble() < p))
            {
                continue;
            }

            _ruleApplied[i]++;
            return rule;
        }

        return null;
    }
}
