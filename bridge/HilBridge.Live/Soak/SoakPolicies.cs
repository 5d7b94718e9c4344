using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Live.Soak;

/// <summary>One epoch's fault policy, with the name the report counts it under.</summary>
public sealed record SoakEpoch(string Kind, string Description, FaultPolicy Policy, TimeSpan Length);

/// <summary>
/// Draws the soak's fault policies: healthy stretches, slow completions well under the timeout, and
/// faults that must end in a fence (a lost completion, one that comes too late, a refusal, late
/// posted writes through the stale translation). Each fault applies once per epoch (limit 1) among
/// a few hundred invalidations, so the guest recovers and goes on.
/// </summary>
public sealed class SoakPolicies(ulong seed, TimeSpan epochMin, TimeSpan epochMax)
{
    private readonly Random _random = new((int)(seed ^ (seed >> 32)));

    public SoakEpoch Next()
    {
        var length = epochMin + TimeSpan.FromSeconds(_random.NextDouble() * (epochMax - epochMin).TotalSeconds);
        var nth = _random.Next(300, 1500);
        var slowMax = 0.002 + _random.NextDouble() * 0.05;
        var slow = new FaultRule
        {
            Name = "slow",
            Probability = Math.Round(0.02 + _random.NextDouble() * 0.2, 3),
            Delay = Distribution.Uniform(0.001, slowMax),
        };
        switch (_random.Next(6))
        {
            case 0:
                return new SoakEpoch("healthy", "no faults", FaultPolicy.None, length);
            case 1:
                return new SoakEpoch("delay", $"{slow.Probability:P0} of completions late by 1-{slowMax * 1000:F0} ms", new FaultPolicy(slow), length);
            case 2:
                return new SoakEpoch("drop", $"invalidation #{nth} lost (no completion), plus slow ones",
                    new FaultPolicy(new FaultRule { Name = "lost", EveryNth = nth, Limit = 1, Outcome = FaultOutcome.Drop }, slow), length);
            case 3:
                var late = 1.1 + _random.NextDouble();
                return new SoakEpoch("late", $"invalidation #{nth} completes after {late:F2} s, past the timeout",
                    new FaultPolicy(new FaultRule { Name = "late", EveryNth = nth, Limit = 1, Delay = Distribution.Fixed(late) }, slow), length);
            case 4:
                return new SoakEpoch("refuse", $"invalidation #{nth} refused by the device",
                    new FaultPolicy(new FaultRule { Name = "refused", EveryNth = nth, Limit = 1, Outcome = FaultOutcome.Refuse }, slow), length);
            default:
                var count = _random.Next(1, 4);
                var after = 1.02 + _random.NextDouble() * 0.5;
                var kind = _random.Next(3) == 0 ? AccessKind.Read : AccessKind.Write;
                return new SoakEpoch("stragglers", $"invalidation #{nth}: {count} late {kind.ToString().ToLowerInvariant()}s {after:F2} s after it arrived",
                    new FaultPolicy(new FaultRule
                    {
                        Name = "stragglers",
                        EveryNth = nth,
                        Limit = 1,
                        Stragglers = new StragglerSpec(count, Distribution.Fixed(after), kind, 64),
                    }, slow), length);
        }
    }
}
