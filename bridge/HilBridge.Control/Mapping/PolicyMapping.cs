using Google.Protobuf.WellKnownTypes;
using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Mapping;

/// <summary>
/// The fault policy both ways between the engine's <see cref="FaultPolicy"/> and the control API's
/// structured <see cref="Proto.Policy"/>. Every field of a rule has a place in the message, so a policy
/// read with GetPolicy and sent back with SetPolicy is the same policy.
/// </summary>
public static class PolicyMapping
{
    /// <summary>Straggler size when the message leaves it 0 (as in scenario files).</summary>
    public const ulong DefaultStragglerBytes = 64;

    public static Proto.Policy ToProto(FaultPolicy policy)
    {
        var message = new Proto.Policy();
        message.Rules.AddRange(policy.Rules.Select(ToProto));
        return message;
    }

    /// <exception cref="PolicyMappingException">A rule is invalid; nothing was built.</exception>
    public static FaultPolicy FromProto(Proto.Policy? message)
    {
        if (message is null)
        {
            return FaultPolicy.None;
        }

        var rules = message.Rules.Select((r, i) => FromProto(r, $"rules[{i}]")).ToArray();
        try
        {
            return new FaultPolicy(rules);
        }
        catch (ArgumentException ex)
        {
            throw new PolicyMappingException("rules: " + ex.Message, ex);
        }
    }

    public static Proto.FaultRule ToProto(FaultRule rule)
    {
        var message = new Proto.FaultRule
        {
            Name = rule.Name ?? "",
            Iova = rule.Iova is { } range ? new Proto.IovaRange { First = range.First, Last = range.Last } : null,
            From = rule.From is { } from ? Duration.FromTimeSpan(from) : null,
            Until = rule.Until is { } until ? Duration.FromTimeSpan(until) : null,
            Outcome = rule.Outcome switch
            {
                FaultOutcome.Drop => Proto.FaultOutcome.Drop,
                FaultOutcome.Refuse => Proto.FaultOutcome.Refuse,
                _ => Proto.FaultOutcome.Complete,
            },
            Delay = ToProto(rule.Delay),
            Stragglers = rule.Stragglers is { } s
                ? new Proto.Stragglers { Count = s.Count, After = ToProto(s.Delay), Kind = ToProto(s.Kind), Bytes = s.Bytes, Target = (Proto.StragglerTarget)s.Target }
                : null,
        };
        if (rule.StreamId is { } sid)
        {
            message.StreamId = sid;
        }

        if (rule.EveryNth is { } nth)
        {
            message.EveryNth = nth;
        }

        if (rule.Probability is { } p)
        {
            message.Probability = p;
        }

        if (rule.Limit is { } limit)
        {
            message.Limit = limit;
        }

        return message;
    }

    public static FaultRule FromProto(Proto.FaultRule message, string at)
    {
        IovaRange? iova = null;
        if (message.Iova is { } range)
        {
            if (range.First > range.Last)
            {
                throw new PolicyMappingException($"{at}.iova: first 0x{range.First:x} is above last 0x{range.Last:x}");
            }

            iova = new IovaRange(range.First, range.Last);
        }
        StragglerSpec? stragglers = null;
        if (message.Stragglers is { } s)
        {
            if (s.Count < 0 || s.Count > StragglerSpec.MaxCount)
            {
                throw new PolicyMappingException($"{at}.stragglers.count: {s.Count} is outside 0..{StragglerSpec.MaxCount}");
            }

            if (s.Target is not (Proto.StragglerTarget.Any or Proto.StragglerTarget.Payload))
            {
                throw new PolicyMappingException($"{at}.stragglers.target: {s.Target} is not any or payload");
            }

            stragglers = new StragglerSpec(s.Count, FromProto(s.After, at + ".stragglers.after"), FromProto(s.Kind, at + ".stragglers.kind"),
                s.Bytes == 0 ? DefaultStragglerBytes : s.Bytes, (StragglerTarget)s.Target);
        }
        var rule = new FaultRule
        {
            Name = message.Name.Length > 0 ? message.Name : at,
            StreamId = message.HasStreamId ? message.StreamId : null,
            Iova = iova,
            From = message.From is { } from ? NonNegative(from, at + ".from") : null,
            Until = message.Until is { } until ? NonNegative(until, at + ".until") : null,
            EveryNth = message.HasEveryNth ? message.EveryNth : null,
            Probability = message.HasProbability ? message.Probability : null,
            Limit = message.HasLimit ? message.Limit : null,
            Outcome = message.Outcome switch
            {
                Proto.FaultOutcome.Unspecified or Proto.FaultOutcome.Complete => FaultOutcome.Complete,
                Proto.FaultOutcome.Drop => FaultOutcome.Drop,
                Proto.FaultOutcome.Refuse => FaultOutcome.Refuse,
                var other => throw new PolicyMappingException($"{at}.outcome: unknown value {(int)other}"),
            },
            Delay = FromProto(message.Delay, at + ".delay"),
            Stragglers = stragglers,
        };
        try
        {
            // The engine's own checks (every_nth >= 1, probability in [0, 1], ...), named by rule.
            _ = new FaultPolicy(rule);
        }
        catch (ArgumentException ex)
        {
            throw new PolicyMappingException($"{at}: {ex.Message}", ex);
        }
        return rule;
    }

    public static Proto.Delay? ToProto(Distribution d) => d.Kind switch
    {
        DistributionKind.Fixed => new Proto.Delay { Fixed = Seconds(d.Parameter1) },
        DistributionKind.Uniform => new Proto.Delay { Uniform = new Proto.UniformDelay { Min = Seconds(d.Parameter1), Max = Seconds(d.Parameter2) } },
        DistributionKind.Exponential => new Proto.Delay { ExponentialMean = Seconds(d.Parameter1) },
        DistributionKind.LogNormal => new Proto.Delay { LogNormal = new Proto.LogNormalDelay { Mu = d.Parameter1, Sigma = d.Parameter2 } },
        _ => null,
    };

    public static Distribution FromProto(Proto.Delay? message, string at)
    {
        try
        {
            return message?.KindCase switch
            {
                null or Proto.Delay.KindOneofCase.None => Distribution.None,
                Proto.Delay.KindOneofCase.Fixed => Distribution.Fixed(Seconds(message.Fixed, at + ".fixed")),
                Proto.Delay.KindOneofCase.Uniform => Distribution.Uniform(Seconds(message.Uniform.Min, at + ".uniform.min"), Seconds(message.Uniform.Max, at + ".uniform.max")),
                Proto.Delay.KindOneofCase.ExponentialMean => Distribution.Exponential(Seconds(message.ExponentialMean, at + ".exponentialMean")),
                Proto.Delay.KindOneofCase.LogNormal => Distribution.LogNormal(message.LogNormal.Mu, message.LogNormal.Sigma),
                _ => throw new PolicyMappingException($"{at}: unknown delay kind"),
            };
        }
        catch (ArgumentException ex)
        {
            throw new PolicyMappingException($"{at}: {ex.Message}", ex);
        }
    }

    public static Proto.AccessKind ToProto(AccessKind kind) => kind switch
    {
        AccessKind.Read => Proto.AccessKind.Read,
        AccessKind.Write => Proto.AccessKind.Write,
        _ => Proto.AccessKind.Unspecified,
    };

    private static AccessKind FromProto(Proto.AccessKind kind, string at) => kind switch
    {
        Proto.AccessKind.Read => AccessKind.Read,
        Proto.AccessKind.Write or Proto.AccessKind.Unspecified => AccessKind.Write,
        _ => throw new PolicyMappingException($"{at}: unknown value {(int)kind}"),
    };

    // Durations keep 100 ns ticks: the distributions' seconds survive a round trip at any scale a rule
    // uses. Samples are clamped to MaxSeconds anyway, so clamping here changes no behaviour.
    private static Duration Seconds(double seconds) =>
        Duration.FromTimeSpan(TimeSpan.FromTicks((long)Math.Round(Math.Clamp(seconds, 0, Distribution.MaxSeconds) * TimeSpan.TicksPerSecond)));

    private static double Seconds(Duration? d, string at) =>
        d is null ? throw new PolicyMappingException($"{at}: missing") : NonNegative(d, at).TotalSeconds;

    private static TimeSpan NonNegative(Duration d, string at)
    {
        TimeSpan t;
        try
        {
            t = d.ToTimeSpan();
        }
        catch (InvalidOperationException ex)
        {
            throw new PolicyMappingException($"{at}: {ex.Message}", ex);
        }
        return t < TimeSpan.Zero ? throw new PolicyMappingException($"{at}: {t.TotalSeconds} s is negative") : t;
    }
}
