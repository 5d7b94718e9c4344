using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>
/// EngineOptions and FaultPolicy to and from their trace messages, field for field, so that replay
/// rebuilds exactly the engine that was recorded (same timeout, fence policy, seed and rules).
/// </summary>
public static class OptionsCodec
{
    public static EngineOptionsMessage ToMessage(EngineOptions options)
    {
        var m = new EngineOptionsMessage
        {
            InvalidationTimeoutTicks = options.InvalidationTimeout.Ticks,
            FencePolicy = options.FencePolicy == FencePolicy.Hope ? FencePolicyMessage.FencePolicyHope : FencePolicyMessage.FencePolicyFence,
            FenceMode = options.FenceMode == FenceMode.Abort ? FenceModeMessage.FenceModeAbort : FenceModeMessage.FenceModeBlockTranslated,
            Seed = options.Seed,
            AtcCapacity = options.AtcCapacity,
            Policy = ToMessage(options.Policy),
            RefusedAckStatus = options.RefusedAckStatus,
            ExactInvalidation = options.ExactInvalidation,
        };
        if (options.StreamId is uint sid)
        {
            m.StreamId = sid;
        }

        return m;
    }

    /// <exception cref="TraceFormatException">A value the engine would reject.</exception>
    public static EngineOptions ToOptions(EngineOptionsMessage? m)
    {
        if (m is null)
        {
            throw new TraceFormatException("trace header has no engine options");
        }

        var options = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromTicks(m.InvalidationTimeoutTicks),
            FencePolicy = m.FencePolicy switch
            {
                FencePolicyMessage.FencePolicyHope => FencePolicy.Hope,
                FencePolicyMessage.FencePolicyFence => FencePolicy.Fence,
                _ => throw new TraceFormatException($"unknown fence policy {m.FencePolicy}"),
            },
            FenceMode = m.FenceMode switch
            {
                FenceModeMessage.FenceModeBlockTranslated => FenceMode.BlockTranslated,
                FenceModeMessage.FenceModeAbort => FenceMode.Abort,
                _ => throw new TraceFormatException($"unknown fence mode {m.FenceMode}"),
            },
            StreamId = m.HasStreamId ? m.StreamId : null,
            Seed = m.Seed,
            AtcCapacity = m.AtcCapacity,
            Policy = ToPolicy(m.Policy),
            RefusedAckStatus = m.RefusedAckStatus,
            ExactInvalidation = m.ExactInvalidation,
        };
        if (options.InvalidationTimeout <= TimeSpan.Zero || options.AtcCapacity < 1 || options.RefusedAckStatus == 0)
        {
            throw new TraceFormatException(
                $"invalid engine options (timeout {options.InvalidationTimeout}, ATC capacity {options.AtcCapacity}, refused status {options.RefusedAckStatus})");
        }

        return options;
    }

    public static FaultPolicyMessage ToMessage(FaultPolicy policy)
    {
        var m = new FaultPolicyMessage();
        foreach (var rule in policy.Rules)
        {
            m.Rules.Add(ToMessage(rule));
        }

        return m;
    }

    /// <exception cref="TraceFormatException">A rule the engine would reject.</exception>
    public static FaultPolicy ToPolicy(FaultPolicyMessage? m)
    {
        if (m is null || m.Rules.Count == 0)
        {
            return FaultPolicy.None;
        }

        try
        {
            return new FaultPolicy(m.Rules.Select(ToRule).ToArray());
        }
        catch (ArgumentException ex)
        {
            throw new TraceFormatException("invalid fault policy in trace: " + ex.Message, ex);
        }
    }

    private static FaultRuleMessage ToMessage(FaultRule r)
    {
        var m = new FaultRuleMessage
        {
            Name = r.Name ?? "",
            Outcome = r.Outcome switch
            {
                FaultOutcome.Drop => FaultOutcomeMessage.FaultOutcomeDrop,
                FaultOutcome.Refuse => FaultOutcomeMessage.FaultOutcomeRefuse,
                _ => FaultOutcomeMessage.FaultOutcomeComplete,
            },
            Delay = ToMessage(r.Delay),
        };
        if (r.StreamId is uint sid)
        {
            m.StreamId = sid;
        }

        if (r.Iova is IovaRange range)
        {
            m.IovaFirst = range.First;
            m.IovaLast = range.Last;
        }

        if (r.From is TimeSpan from)
        {
            m.FromTicks = from.Ticks;
        }

        if (r.Until is TimeSpan until)
        {
            m.UntilTicks = until.Ticks;
        }

        if (r.EveryNth is int n)
        {
            m.EveryNth = n;
        }

        if (r.Probability is double p)
        {
            m.Probability = p;
        }

        if (r.Limit is int limit)
        {
            m.Limit = limit;
        }

        if (r.Stragglers is { } s)
        {
            m.Stragglers = new StragglerSpecMessage { Count = s.Count, Delay = ToMessage(s.Delay), Kind = (uint)s.Kind, Bytes = s.Bytes, Target = (uint)s.Target };
        }

        return m;
    }

    private static FaultRule ToRule(FaultRuleMessage m)
    {
        IovaRange? iova = null;
        if (m.HasIovaFirst != m.HasIovaLast)
        {
            throw new ArgumentException("iova_first and iova_last go together");
        }

        if (m.HasIovaFirst)
        {
            iova = new IovaRange(m.IovaFirst, m.IovaLast);
        }

        return new FaultRule
        {
            Name = m.Name.Length == 0 ? null : m.Name,
            StreamId = m.HasStreamId ? m.StreamId : null,
            Iova = iova,
            From = m.HasFromTicks ? TimeSpan.FromTicks(m.FromTicks) : null,
            Until = m.HasUntilTicks ? TimeSpan.FromTicks(m.UntilTicks) : null,
            EveryNth = m.HasEveryNth ? m.EveryNth : null,
            Probability = m.HasProbability ? m.Probability : null,
            Limit = m.HasLimit ? m.Limit : null,
            Outcome = m.Outcome switch
            {
                FaultOutcomeMessage.FaultOutcomeDrop => FaultOutcome.Drop,
                FaultOutcomeMessage.FaultOutcomeRefuse => FaultOutcome.Refuse,
                FaultOutcomeMessage.FaultOutcomeComplete or FaultOutcomeMessage.FaultOutcomeUnspecified => FaultOutcome.Complete,
                _ => throw new ArgumentException($"unknown fault outcome {m.Outcome}"),
            },
            Delay = ToDistribution(m.Delay),
            Stragglers = m.Stragglers is { } s
                ? new StragglerSpec(s.Count, ToDistribution(s.Delay), (AccessKind)s.Kind, s.Bytes, (StragglerTarget)s.Target)
                : null,
        };
    }

    private static DistributionMessage ToMessage(Distribution d) =>
        new() { Kind = (uint)d.Kind, Parameter1 = d.Parameter1, Parameter2 = d.Parameter2 };

    private static Distribution ToDistribution(DistributionMessage? m) => m is null
        ? Distribution.None
        : (DistributionKind)m.Kind switch
        {
            DistributionKind.None => Distribution.None,
            DistributionKind.Fixed => Distribution.Fixed(m.Parameter1),
            DistributionKind.Uniform => Distribution.Uniform(m.Parameter1, m.Parameter2),
            DistributionKind.Exponential => Distribution.Exponential(m.Parameter1),
            DistributionKind.LogNormal => Distribution.LogNormal(m.Parameter1, m.Parameter2),
            _ => throw new ArgumentException($"unknown distribution kind {m.Kind}"),
        };
}
