using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

/// <summary>The selector on its own: which rule applies, and the order in which it draws from the seeded generator.</summary>
public class FaultRuleSelectorTests
{
    private const ulong Seed = 42;
    private const ulong Page = 4096;

    private static readonly TranslationLedger EmptyLedger = new(16, new EnginePool());

    private static FaultDecision Decide(FaultRuleSelector selector, ulong iova = 0x1000, uint? streamId = 0x100, TranslationLedger? ledger = null) =>
        selector.Decide(streamId, iova, iova + Page - 1, TimeSpan.Zero, ledger ?? EmptyLedger);

    [Fact]
    public void Decide_PayloadStragglers_CountOnlyInvalidationsWithAPayloadTarget()
    {
        var ledger = new TranslationLedger(16, new EnginePool());
        Assert.True(ledger.TryCache(0x3000, Page, 0x10_0000, AccessKind.ReadWrite));
        Assert.True(ledger.TryLookup(0x3000, out var entry));
        Assert.True(ledger.TryUnpin(ledger.Pin(entry, 0x3000, Page, AccessKind.Write, DmaPurpose.Payload, false), out var pin));
        ledger.ReleasePin(pin);
        var rule = Rules.Drop() with { EveryNth = 2, Stragglers = new StragglerSpec(1, Distribution.None, Target: StragglerTarget.Payload) };
        var selector = new FaultRuleSelector(Rules.Policy(rule), Seed);

        // Three invalidations without a payload target do not count towards EveryNth; the second with one applies.
        var applied = new ulong[] { 0x1000, 0x3000, 0x2000, 0x5000, 0x3000 }.Select(iova => Decide(selector, iova, ledger: ledger).Rule is not null);

        Assert.Equal([false, false, false, false, true], applied);
    }

    /// <summary>Which of <paramref name="n"/> invalidations in a row a rule applied to (1-based).</summary>
    private static List<int> Applied(FaultRuleSelector selector, int n) =>
        Enumerable.Range(1, n).Where(_ => Decide(selector).Rule is not null).ToList();

    [Fact]
    public void Decide_NoRules_CompletesAtOnce()
    {
        var selector = new FaultRuleSelector(FaultPolicy.None, Seed);

        Assert.Equal(new FaultDecision(null, FaultOutcome.Complete, TimeSpan.Zero), Decide(selector));
    }

    [Fact]
    public void Decide_EveryNthThree_AppliesToEveryThirdInvalidation()
    {
        var selector = new FaultRuleSelector(Rules.Policy(Rules.Drop() with { EveryNth = 3 }), Seed);

        Assert.Equal([3, 6, 9], Applied(selector, 10));
    }

    [Fact]
    public void Decide_LimitTwo_AppliesTwiceThenFallsThroughToTheNextRule()
    {
        var limited = Rules.Drop() with { Limit = 2 };
        var fallback = Rules.Refuse();
        var selector = new FaultRuleSelector(Rules.Policy(limited, fallback), Seed);

        var rules = Enumerable.Range(0, 4).Select(_ => Decide(selector).Rule).ToList();

        Assert.Equal([limited, limited, fallback, fallback], rules);
    }

    [Fact]
    public void Decide_EveryNthWithLimit_LimitCountsOnlyApplications()
    {
        var selector = new FaultRuleSelector(Rules.Policy(Rules.Drop() with { EveryNth = 2, Limit = 2 }), Seed);

        Assert.Equal([2, 4], Applied(selector, 10));
    }

    [Fact]
    public void Decide_OutOfScope_DoesNotCountTowardsEveryNth()
    {
        var rule = Rules.Drop() with { EveryNth = 2, Iova = IovaRange.FromSize(0x10000, Page) };
        var selector = new FaultRuleSelector(Rules.Policy(rule), Seed);

        Assert.Null(Decide(selector, iova: 0x1000).Rule);
        Assert.Null(Decide(selector, iova: 0x10000).Rule);
        Assert.Null(Decide(selector, iova: 0x1000).Rule);
        Assert.Same(rule, Decide(selector, iova: 0x10000).Rule);
    }

    [Fact]
    public void Decide_StreamIdRuleOnAnEngineWithoutStreamId_NeverApplies()
    {
        var selector = new FaultRuleSelector(Rules.Policy(Rules.Drop() with { StreamId = 0x100 }), Seed);

        Assert.Null(Decide(selector, streamId: null).Rule);
        Assert.NotNull(Decide(selector, streamId: 0x100).Rule);
    }

    [Fact]
    public void Decide_ProbabilityWithFixedSeed_AppliesExactlyWhenTheGeneratorDrawsBelowIt()
    {
        var selector = new FaultRuleSelector(Rules.Policy(Rules.Drop() with { Probability = 0.3 }), Seed);
        var reference = new DeterministicRandom(Seed);

        var expected = Enumerable.Range(1, 200).Where(_ => reference.NextDouble() < 0.3).ToList();

        Assert.Equal(expected, Applied(selector, 200));
        Assert.InRange(expected.Count, 40, 80);
    }

    [Fact]
    public void Decide_DelayedRuleWithProbability_DrawsTheProbabilityThenTheDelay()
    {
        var delay = Distribution.Uniform(0, 1);
        var selector = new FaultRuleSelector(Rules.Policy(new FaultRule { Probability = 1, Delay = delay }), Seed);
        var reference = new DeterministicRandom(Seed);
        reference.NextDouble();

        var decision = Decide(selector);

        Assert.Equal((FaultOutcome.Complete, delay.Sample(reference)), (decision.Outcome, decision.Delay));
    }

    [Fact]
    public void Decide_DropWithDelay_HasNoDelayAndDrawsNothing()
    {
        var spec = Rules.Stragglers(1, 0) with { Delay = Distribution.Uniform(0, 1) };
        var selector = new FaultRuleSelector(Rules.Policy(Rules.Drop() with { Delay = Distribution.Uniform(0, 1) }), Seed);

        Assert.Equal(TimeSpan.Zero, Decide(selector).Delay);

        // The next draw is still the generator's first.
        Assert.Equal(spec.Delay.Sample(new DeterministicRandom(Seed)), selector.StragglerDelay(spec));
    }

    [Fact]
    public void StragglerDelay_AfterADelayedAnswer_ContinuesTheSameStream()
    {
        var answer = Distribution.Uniform(0, 1);
        var spec = Rules.Stragglers(2, 0) with { Delay = Distribution.Exponential(0.01) };
        var selector = new FaultRuleSelector(Rules.Policy(new FaultRule { Delay = answer, Stragglers = spec }), Seed);
        var reference = new DeterministicRandom(Seed);

        var decision = Decide(selector);

        Assert.Same(spec, decision.Stragglers);
        Assert.Equal(answer.Sample(reference), decision.Delay);
        Assert.Equal(spec.Delay.Sample(reference), selector.StragglerDelay(spec));
        Assert.Equal(spec.Delay.Sample(reference), selector.StragglerDelay(spec));
    }

    [Fact]
    public void SetPolicy_NewPolicy_RestartsRuleCounters()
    {
        var rule = Rules.Drop() with { EveryNth = 2 };
        var selector = new FaultRuleSelector(Rules.Policy(rule), Seed);
        Decide(selector);

        var replacement = Rules.Policy(rule);
        selector.SetPolicy(replacement);

        Assert.Same(replacement, selector.Policy);
        Assert.Null(Decide(selector).Rule);
        Assert.NotNull(Decide(selector).Rule);
    }
}
