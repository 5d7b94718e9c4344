using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Fuzz.Targets.Engine;

/// <summary>
/// The ATS engine (device IOTLB = ATC) under hostile IOTLB traffic: updates whose ranges wrap, are
/// empty or huge, carry odd permissions; invalidations of anything; accesses at every edge; device
/// stops, starts and STE rewrites in any order; faulty device policies (drop, refuse, delay,
/// stragglers). Oracles: nothing throws; a hit is an entry that contains the address and allows the
/// access; every invalidation is answered exactly once and, once accesses end and time passes, all
/// are. Use-after-free is judged by the fuzzer's own <see cref="ShadowLedger"/>, not by the engine's
/// violations: every hit, every access still in flight at an acknowledgement and every straggler is
/// checked against the acknowledged invalidations, under both fence policies; the engine must report
/// exactly the use-after-frees the shadow sees, and under the fence policy there must be none. (A DMA
/// still in flight when a fenced invalidation's timeout forces the answer is reported by the engine by
/// design, AtsEngine.OnTimeout: QEMU's vCPU cannot wait for ever. Real DMA pins last microseconds; with
/// QEMU 7.2 only one invalidation is outstanding at a time.)
/// </summary>
public sealed class EngineTarget : FuzzTarget<EngineCase>
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override string Name => "iotlb";

    /// <summary>Use-after-frees the shadow saw over every case run (and the engine reported): the oracle is not idle.</summary>
    public long ShadowUseAfterFrees { get; private set; }


    public override EngineCase Generate(FuzzRandom r)
    {
        var rules = new List<RuleSpec>();
        for (var i = r.Next(0, 4); i > 0; i--)
        {
            rules.Add(new RuleSpec(
                r.Pick("complete", "drop", "refuse"),
                r.Chance(0.5) ? r.Next(1, 8) : null,
                r.Chance(0.3) ? r.Next(0, 101) / 100.0 : null,
                r.Chance(0.3) ? r.Next(0, 4) : null,
                r.Chance(0.5) ? r.Next(0, 3000) : 0,
                r.Chance(0.3) ? r.Next(0, 4) : 0,
                r.Next(0, 3000),
                r.Chance(0.7)));
        }
        // A handful of bases, so updates, invalidations and accesses keep landing on each other.
        ulong[] bases = [0, 0x1000, 0x10_0000, 0xffff_ffff_ffff_f000, r.Interesting64() & ~0xfffUL];
        ulong Address() => r.Chance(0.1) ? r.Interesting64() : r.Pick(bases) + (ulong)r.Next(0, 16) * 0x1000 + (r.Chance(0.2) ? (ulong)r.Next(0, 0x1000) : 0);
        ulong Size() => r.Next(5) switch { 0 => r.Interesting64(), 1 => 0, _ => (ulong)r.Next(1, 8) * 0x1000 };

        var ops = new List<EngineOp>();
        var tokens = 0;
        for (var i = r.Next(1, 80); i > 0; i--)
        {
            var dt = r.Chance(0.7) ? 0 : r.Pick(0.01, 1, 10, 500, 999, 1000, 1001, 2000);
            var kind = r.Next(20) switch
            {
                < 5 => "update",
                < 9 => "invalidate",
                < 13 => "begin",
                < 15 => tokens > 0 ? "end" : "timer",
                15 => "timer",
                16 => "stop",
                17 => "start",
                18 => "ste",
                _ => r.Pick("fence", "policy-none", "stream-id"),
            };
            if (kind == "begin")
            {
                tokens++;
            }

            ops.Add(new EngineOp(kind, dt, Address(), Size(), r.Chance(0.1) ? r.Interesting64() : 0x7f00_0000_0000UL + (ulong)r.Next(0, 64) * 0x1000,
                (byte)(r.Chance(0.1) ? r.Next(0, 256) : r.Next(1, 4)), r.Chance(0.6), r.Next(0, Math.Max(tokens, 1)), r.Chance(0.5) ? 0x100u : r.Interesting32()));
        }
        return new EngineCase(r.Chance(0.7), r.Chance(0.2), r.Pick(100.0, 1000, 1), r.Chance(0.5) ? 0x100u : null, rules, ops, r.Chance(0.3));
    }

    public override string? Execute(EngineCase c)
    {
        var clock = new SteppedClock(Start);
        var options = new EngineOptions
        {
            FencePolicy = c.Fence ? FencePolicy.Fence : FencePolicy.Hope,
            FenceMode = c.AbortMode ? FenceMode.Abort : FenceMode.BlockTranslated,
            InvalidationTimeout = TimeSpan.FromMilliseconds(Math.Max(c.TimeoutMs, 0.001)),
            StreamId = c.StreamId,
            Seed = 7,
            AtcCapacity = 64,
            ExactInvalidation = !c.WholeInvalidation,
            Policy = new FaultPolicy(c.Rules.Select(ToRule).ToArray()),
        };
        var engine = new AtsEngine(options, clock);
        var shadow = new ShadowLedger(c.Fence);
        var tokens = new List<AccessToken?>();
        var atc = new List<AtcEntry>();
        var invalidations = 0UL;
        var acked = new HashSet<ulong>();
        var stragglerViolationDue = false;
        var stragglerEntry = 0UL;
        string? problem = null;

        List<EngineEffect> Take()
        {
            var effects = new List<EngineEffect>();
            while (engine.TryTakeEffect(out var effect))
            {
                if (effect.Kind == EffectKind.AckInvalidation && (!acked.Add(effect.RequestId) || effect.RequestId == 0 || effect.RequestId > invalidations))
                {
                    problem ??= $"invalidation {effect.RequestId} answered twice or never asked";
                }

                effects.Add(effect);
            }
            return effects;
        }

        // The shadow judges every effect in production order: acks kill translations, stragglers are accesses.
        void Feed(List<EngineEffect> effects)
        {
            foreach (var effect in effects)
            {
                problem ??= shadow.OnEffect(effect, ref stragglerViolationDue, ref stragglerEntry);
            }

            if (stragglerViolationDue)
            {
                problem ??= $"a violating straggler through entry {stragglerEntry} was not reported as a violation";
                stragglerViolationDue = false;
            }
        }

        void Drain() => Feed(Take());

        // The device-access violation a BeginAccess or EndAccess reported (at most one), taken out of its effects.
        bool TakeAccessViolation(List<EngineEffect> effects)
        {
            var reported = effects.RemoveAll(e => e.Kind == EffectKind.Violation && e.Violation.Source == ViolationSource.DeviceAccess);
            if (reported > 1)
            {
                problem ??= $"{reported} violations reported for one access";
            }

            return reported > 0;
        }

        void End(AccessToken token)
        {
            engine.EndAccess(token);
            var effects = Take();
            problem ??= shadow.OnEnd(token, TakeAccessViolation(effects));
            Feed(effects);
        }

        void Advance(double ms)
        {
            var target = clock.Now + TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, 3_600_000));
            // The host arms a timer for NextDeadline and fires it then: step through every deadline on the way.
            for (var guard = 0; engine.NextDeadline is { } due && due <= target && guard < 10_000; guard++)
            {
                if (due > clock.Now)
                {
                    clock.Now = due;
                }

                engine.OnTimer();
                Drain();
            }
            clock.Now = target;
        }

        foreach (var op in c.Ops)
        {
            Advance(op.DtMs);
            switch (op.Kind)
            {
                case "update":
                    engine.OnIotlbUpdate(op.Iova, op.Size, op.User, (AccessKind)op.Perm);
                    shadow.OnUpdate(op.Iova, op.Size, op.User, (AccessKind)op.Perm);
                    break;
                case "invalidate":
                    // The shadow learns of it first: its acknowledgement may come within the call.
                    shadow.OnInvalidate(++invalidations, op.Iova, op.Size);
                    engine.OnIotlbInvalidate(invalidations, op.Iova, op.Size);
                    // An exact invalidation re-caches the rest of a larger translation under new Ids: the
                    // shadow takes them on only as pieces of the translations this invalidation cut.
                    atc.Clear();
                    engine.CopyAtc(atc);
                    problem ??= shadow.OnCut(atc, engine.LastAtcId, exact: !c.WholeInvalidation);
                    break;
                case "begin":
                    var kind = (AccessKind)Math.Clamp((int)op.Perm & 3, 1, 3);
                    var purpose = op.Payload ? DmaPurpose.Payload : DmaPurpose.Control;
                    var result = engine.BeginAccess(op.Iova, op.Size, kind, purpose, out var entry, out var token);
                    var effects = Take();
                    var reported = TakeAccessViolation(effects);
                    if (result == AccessResult.Hit)
                    {
                        if (!entry.Contains(op.Iova) || !entry.Allows(kind) || entry.BytesFrom(op.Iova) == 0)
                        {
                            problem ??= $"hit at 0x{op.Iova:x} ({kind}) on entry {entry} that does not cover or allow it";
                        }

                        problem ??= shadow.OnHit(entry, token, kind, purpose, reported);
                    }
                    else if (reported)
                    {
                        problem ??= $"violation reported for a {result} at 0x{op.Iova:x}, which reached no memory";
                    }

                    Feed(effects);
                    tokens.Add(result == AccessResult.Hit ? token : null);
                    break;
                case "end" when tokens.Count > 0:
                    var index = op.Token % tokens.Count;
                    if (tokens[index] is { } t)
                    {
                        End(t);
                    }

                    tokens[index] = null;
                    break;
                case "stop":
                    engine.OnDeviceStopped();
                    shadow.OnStopped();
                    break;
                case "start":
                    engine.OnDeviceStarted();
                    break;
                case "ste":
                    engine.OnSteInvalidated(op.StreamId);
                    break;
                case "fence":
                    engine.Fence("fuzz");
                    break;
                case "policy-none":
                    engine.SetPolicy(FaultPolicy.None);
                    break;
                case "stream-id":
                    engine.SetStreamId(op.StreamId);
                    break;
            }
            Drain();
            CheckAtc(engine, ref problem);
        }

        // Liveness: with every access ended and enough time, every invalidation is answered.
        foreach (var t in tokens)
        {
            if (t is { } token)
            {
                End(token);
            }
        }
        for (var i = 0; i < 20; i++)
        {
            Advance(Math.Max(c.TimeoutMs, 3000) + 1);
        }

        ShadowUseAfterFrees += shadow.UseAfterFrees;
        if ((ulong)acked.Count != invalidations)
        {
            problem ??= $"{invalidations - (ulong)acked.Count} of {invalidations} invalidations never answered";
        }

        return problem;
    }

    /// <summary>The engine keeps its ATC entries sorted and disjoint: check through what it exposes.</summary>
    private static void CheckAtc(AtsEngine engine, ref string? problem)
    {
        if (engine.AtcCount > 64)
        {
            problem ??= $"ATC holds {engine.AtcCount} entries, capacity 64";
        }
    }

    private static FaultRule ToRule(RuleSpec s) => new()
    {
        Outcome = Enum.Parse<FaultOutcome>(s.Outcome, ignoreCase: true),
        EveryNth = s.EveryNth is > 0 ? s.EveryNth : null,
        Probability = s.Probability is >= 0 and <= 1 ? s.Probability : null,
        Limit = s.Limit is >= 0 ? s.Limit : null,
        Delay = s.DelayMs > 0 ? Distribution.Fixed(TimeSpan.FromMilliseconds(s.DelayMs)) : Distribution.None,
        Stragglers = s.Stragglers > 0
            ? new StragglerSpec(s.Stragglers, Distribution.Fixed(TimeSpan.FromMilliseconds(Math.Max(s.StragglerAfterMs, 0))), s.StragglerWrites ? AccessKind.Write : AccessKind.Read, 64)
            : null,
    };
}
