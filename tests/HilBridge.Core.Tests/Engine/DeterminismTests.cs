using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

/// <summary>Live and replay run the same engine: same (inputs, times, seed) must give the same effects.</summary>
public class DeterminismTests
{
    private static FaultPolicy ChaoticPolicy() => new(
        new FaultRule { Name = "drops", Outcome = FaultOutcome.Drop, Probability = 0.05 },
        new FaultRule { Name = "refusals", Outcome = FaultOutcome.Refuse, EveryNth = 17, Probability = 0.5 },
        new FaultRule
        {
            Name = "slow",
            Probability = 0.3,
            Delay = Distribution.LogNormal(Math.Log(0.2), 1.0),
            Stragglers = new StragglerSpec(2, Distribution.Exponential(0.4), AccessKind.Write, 256),
        },
        new FaultRule { Name = "jitter", Delay = Distribution.Uniform(0, 0.005) });

    /// <summary>A fixed workload (its shape does not depend on the seed); returns every effect produced.</summary>
    private static List<EngineEffect> Run(ulong seed, FencePolicy fencePolicy)
    {
        var h = new EngineHarness(ChaoticPolicy(), fencePolicy, seed: seed);
        var effects = new List<EngineEffect>();
        var tokens = new Queue<AccessToken>();
        for (ulong i = 0; i < 300; i++)
        {
            ulong iova = (i % 37) * Page;
            h.Map(iova);
            if (h.Engine.BeginAccess(iova, Page, AccessKind.Write, i % 3 == 0 ? DmaPurpose.Control : DmaPurpose.Payload, out _, out var token) == AccessResult.Hit)
            {
                tokens.Enqueue(token);
            }

            h.Engine.OnIotlbInvalidate(i, iova, Page);
            if (tokens.Count > 3)
            {
                h.Engine.EndAccess(tokens.Dequeue());
            }

            if (i % 50 == 49)
            {
                h.Engine.OnDeviceStopped();
                h.Engine.OnDeviceStarted();
                h.Engine.OnSteInvalidated(Sid);
            }

            h.Advance(Ms(7));
            effects.AddRange(h.Drain());
        }

        while (tokens.Count > 0)
        {
            h.Engine.EndAccess(tokens.Dequeue());
        }

        h.RunUntil(h.Time.GetUtcNow() + TimeSpan.FromSeconds(30));
        effects.AddRange(h.Drain());
        return effects;
    }

    [Theory]
    [InlineData(FencePolicy.Hope)]
    [InlineData(FencePolicy.Fence)]
    public void Run_SameSeedAndInputs_IdenticalEffectSequence(FencePolicy fencePolicy)
    {
        var first = Run(1234, fencePolicy);
        var second = Run(1234, fencePolicy);
        Assert.True(first.Count > 300);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Run_DifferentSeed_DifferentEffectSequence()
    {
        Assert.NotEqual(Run(1, FencePolicy.Hope), Run(2, FencePolicy.Hope));
    }

    [Fact]
    public void Run_Hope_ProducesEveryKindOfEffect()
    {
        // Guards the determinism tests against testing a trivially quiet scenario.
        var kinds = Run(1234, FencePolicy.Hope).Select(e => e.Kind).ToHashSet();
        Assert.Superset(new HashSet<EffectKind> { EffectKind.AckInvalidation, EffectKind.InvalidationTimedOut, EffectKind.StragglerAccess, EffectKind.Violation }, kinds);
    }

    [Fact]
    public void Run_Fence_FencesRecoversAndNeverViolates()
    {
        var effects = Run(1234, FencePolicy.Fence);
        Assert.Contains(effects, e => e.Kind == EffectKind.Fenced);
        Assert.Contains(effects, e => e.Kind == EffectKind.Unfenced);
        Assert.DoesNotContain(effects, e => e.Kind == EffectKind.Violation);
    }

    [Fact]
    public void Run_EveryInvalidationAnsweredExactlyOnce()
    {
        foreach (var policy in new[] { FencePolicy.Hope, FencePolicy.Fence })
        {
            var acks = Run(99, policy).Where(e => e.Kind == EffectKind.AckInvalidation).Select(e => e.RequestId).ToList();
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (ulong)i), acks.Order());
        }
    }
}
