using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

/// <summary>Which invalidations a rule applies to: scope, window, every-Nth, probability, rule order.</summary>
public class FaultPolicySelectionTests
{
    /// <summary>Sends invalidations 1..n of one page each at the given IOVAs; returns the ids acked at once (not delayed).</summary>
    private static List<ulong> ImmediateAcks(EngineHarness h, int n, Func<int, ulong>? iovaOf = null)
    {
        var immediate = new List<ulong>();
        for (int i = 1; i <= n; i++)
        {
            h.Engine.OnIotlbInvalidate((ulong)i, iovaOf?.Invoke(i) ?? 0x1000, Page);
            immediate.AddRange(h.Drain().Where(e => e.Kind == EffectKind.AckInvalidation).Select(e => e.RequestId));
        }

        return immediate;
    }

    private static List<ulong> Delayed(EngineHarness h, int n, Func<int, ulong>? iovaOf = null)
    {
        var immediate = ImmediateAcks(h, n, iovaOf);
        return Enumerable.Range(1, n).Select(i => (ulong)i).Except(immediate).ToList();
    }

    [Fact]
    public void EveryNth_Three_AppliesToEveryThirdMatch()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { EveryNth = 3 }));
        Assert.Equal([3UL, 6UL, 9UL], Delayed(h, 10));
    }

    [Fact]
    public void EveryNth_CountsOnlyInvalidationsInScope()
    {
        var rule = Rules.Delay(10) with { EveryNth = 2, Iova = IovaRange.FromSize(0x10000, 0x10000) };
        var h = new EngineHarness(Rules.Policy(rule));
        // Odd requests are out of scope; even ones in scope: the 2nd and 4th *in-scope* are requests 4 and 8.
        Assert.Equal([4UL, 8UL], Delayed(h, 8, i => i % 2 == 0 ? 0x10000UL : 0x1000UL));
    }

    [Fact]
    public void Limit_Two_AppliesToFirstTwoSelectionsOnly()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { EveryNth = 2, Limit = 2 }));
        Assert.Equal([2UL, 4UL], Delayed(h, 10));
    }

    [Fact]
    public void Limit_Exhausted_FallsThroughToNextRule()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { Limit = 1 }, Rules.Delay(20) with { EveryNth = 3 }));
        // Rule 2 counts only the invalidations that reach it (2, 3, 4, ...): its third is request 4.
        Assert.Equal([1UL, 4UL], Delayed(h, 6));
    }

    [Fact]
    public void Limit_Negative_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Rules.Policy(Rules.Delay(10) with { Limit = -1 }));
    }

    [Fact]
    public void Probability_Zero_NeverApplies()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { Probability = 0 }));
        Assert.Empty(Delayed(h, 100));
    }

    [Fact]
    public void Probability_One_AlwaysApplies()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { Probability = 1 }));
        Assert.Equal(100, Delayed(h, 100).Count);
    }

    [Fact]
    public void Probability_Quarter_AppliesToAboutAQuarter()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { Probability = 0.25 }), seed: 7);
        Assert.InRange(Delayed(h, 4000).Count, 900, 1100);
    }

    [Fact]
    public void EveryNthAndProbability_ProbabilityDrawnOnlyOnNthMatches()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { EveryNth = 2, Probability = 1 }));
        Assert.Equal([2UL, 4UL], Delayed(h, 4));
    }

    [Fact]
    public void Scope_StreamIdOfThisDevice_Matches()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { StreamId = Sid }));
        Assert.Equal([1UL], Delayed(h, 1));
    }

    [Fact]
    public void Scope_OtherStreamId_DoesNotMatch()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { StreamId = 0x200 }));
        Assert.Empty(Delayed(h, 3));
    }

    [Fact]
    public void Scope_StreamIdRuleWhenEngineStreamIdUnknown_DoesNotMatch()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { StreamId = Sid }), streamId: null);
        Assert.Empty(Delayed(h, 3));
    }

    [Fact]
    public void Scope_IovaRange_MatchesOnlyOverlappingInvalidations()
    {
        var rule = Rules.Delay(10) with { Iova = new IovaRange(0x2000, 0x2FFF) };
        var h = new EngineHarness(Rules.Policy(rule));
        ulong[] iovas = [0x1000, 0x2000, 0x3000, 0x2FFF, 0x1001];
        // Request 5 covers [0x1001, 0x2000]: overlaps by one byte.
        Assert.Equal([2UL, 4UL, 5UL], Delayed(h, 5, i => iovas[i - 1]));
    }

    [Fact]
    public void Scope_IovaRangeWithWholeSpaceInvalidation_Matches()
    {
        var rule = Rules.Delay(10) with { Iova = new IovaRange(ulong.MaxValue, ulong.MaxValue) };
        var h = new EngineHarness(Rules.Policy(rule));
        h.Engine.OnIotlbInvalidate(1, 0, 0); // QEMU's "everything"
        Assert.Empty(h.Drain());
    }

    [Fact]
    public void Window_FromUntil_AppliesOnlyInsideHalfOpenWindow()
    {
        var rule = Rules.Delay(1) with { From = Ms(100), Until = Ms(200) };
        var h = new EngineHarness(Rules.Policy(rule));
        var delayed = new List<double>();
        foreach (double at in new double[] { 0, 99, 100, 150, 199, 200, 300 })
        {
            h.Time.SetUtcNow(h.Time.Start + Ms(at)); // the engine started at Start
            h.Engine.OnIotlbInvalidate((ulong)at, 0x1000, Page);
            if (!h.Drain().Any(e => e.Kind == EffectKind.AckInvalidation && e.RequestId == (ulong)at))
            {
                delayed.Add(at);
            }
        }

        Assert.Equal([100.0, 150.0, 199.0], delayed);
    }

    [Fact]
    public void Rules_FirstApplicableRuleWins()
    {
        var narrow = Rules.Drop() with { Iova = IovaRange.FromSize(0x5000, Page) };
        var broad = Rules.Delay(10);
        var h = new EngineHarness(Rules.Policy(narrow, broad));
        h.Engine.OnIotlbInvalidate(1, 0x5000, Page);
        h.Engine.OnIotlbInvalidate(2, 0x6000, Page);
        h.AdvanceMs(10);
        Assert.Equal(2UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        Assert.Equal(1, h.Counters.InvalidationsDropped);
    }

    [Fact]
    public void Rules_NotSelected_FallsThroughToNextRule()
    {
        var everySecondDrop = Rules.Drop() with { EveryNth = 2 };
        var h = new EngineHarness(Rules.Policy(everySecondDrop, Rules.Delay(10)));
        Assert.Empty(ImmediateAcks(h, 4)); // 1, 3 delayed by rule 2; 2, 4 dropped by rule 1
        h.AdvanceMs(10);
        Assert.Equal([1UL, 3UL], h.Drain().Select(e => e.RequestId));
        Assert.Equal(2, h.Counters.InvalidationsDropped);
    }

    [Fact]
    public void SetPolicy_AppliesFromTheNextInvalidationOnly()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(50)));
        h.Engine.OnIotlbInvalidate(1, 0x1000, Page);
        h.Engine.SetPolicy(Rules.Policy(Rules.Delay(10)));
        h.Engine.OnIotlbInvalidate(2, 0x2000, Page);
        h.AdvanceMs(10);
        Assert.Equal(2UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
        h.AdvanceMs(40);
        Assert.Equal(1UL, Single(h.Drain(), EffectKind.AckInvalidation).RequestId);
    }

    [Fact]
    public void SetPolicy_RestartsEveryNthCounting()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Delay(10) with { EveryNth = 2 }));
        Assert.Empty(Delayed(h, 1));
        h.Engine.SetPolicy(Rules.Policy(Rules.Delay(10) with { EveryNth = 2 }));
        Assert.Equal([2UL], Delayed(h, 2));
    }

    public static TheoryData<Func<FaultRule>> InvalidRules => new()
    {
        () => new FaultRule { EveryNth = 0 },
        () => new FaultRule { Probability = 1.5 },
        () => new FaultRule { Probability = double.NaN },
        () => new FaultRule { Stragglers = new StragglerSpec(-1, Distribution.None) },
        () => new FaultRule { Stragglers = new StragglerSpec(StragglerSpec.MaxCount + 1, Distribution.None) },
        () => new FaultRule { Stragglers = new StragglerSpec(1, Distribution.None, AccessKind.ReadWrite) },
        () => new FaultRule { Stragglers = new StragglerSpec(1, Distribution.None, AccessKind.Write, 0) },
        () => new FaultRule { Outcome = (FaultOutcome)42 },
    };

    [Theory]
    [MemberData(nameof(InvalidRules))]
    public void FaultPolicy_InvalidRule_Throws(Func<FaultRule> rule) =>
        Assert.ThrowsAny<ArgumentException>(() => new FaultPolicy(rule()));

    [Fact]
    public void FaultPolicy_BuiltFromList_CopiesRules()
    {
        var list = new List<FaultRule> { Rules.Drop() };
        var policy = new FaultPolicy(list);
        list.Clear();
        Assert.Single(policy.Rules);
    }

    [Fact]
    public void EngineOptions_Invalid_Throws()
    {
        var time = TimeProvider.System;
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtsEngine(new EngineOptions { InvalidationTimeout = TimeSpan.Zero }, time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtsEngine(new EngineOptions { AtcCapacity = 0 }, time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtsEngine(new EngineOptions { RefusedAckStatus = 0 }, time));
    }
}
