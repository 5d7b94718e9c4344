using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Core.Tests.Engine;

/// <summary>An engine on a fake clock, with helpers that drain and filter its effects.</summary>
internal sealed class EngineHarness
{
    public const ulong Page = 4096;
    public const uint Sid = 0x100;

    public EngineHarness(
        FaultPolicy? policy = null,
        FencePolicy fencePolicy = FencePolicy.Fence,
        FenceMode mode = FenceMode.BlockTranslated,
        ulong seed = 42,
        uint? streamId = Sid,
        TimeSpan? timeout = null,
        int atcCapacity = AddressTranslationCache.DefaultCapacity,
        bool exactInvalidation = true)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 6, 20, 0, 0, TimeSpan.Zero));
        Options = new EngineOptions
        {
            Policy = policy ?? FaultPolicy.None,
            FencePolicy = fencePolicy,
            FenceMode = mode,
            Seed = seed,
            StreamId = streamId,
            InvalidationTimeout = timeout ?? EngineOptions.ArmSmmuV3Timeout,
            AtcCapacity = atcCapacity,
            ExactInvalidation = exactInvalidation,
        };
        Engine = new AtsEngine(Options, Time);
    }

    public FakeTimeProvider Time { get; }

    public EngineOptions Options { get; }

    public AtsEngine Engine { get; }

    public EngineCounters Counters => Engine.Counters;

    /// <summary>Maps <paramref name="pages"/> pages at <paramref name="iova"/> read-write (uaddr = iova + 1 TiB).</summary>
    public void Map(ulong iova, ulong pages = 1, AccessKind perm = AccessKind.ReadWrite) =>
        Engine.OnIotlbUpdate(iova, pages * Page, iova + (1UL << 40), perm);

    public AccessToken Pin(ulong iova, AccessKind kind = AccessKind.Write, DmaPurpose purpose = DmaPurpose.Payload)
    {
        Assert.Equal(AccessResult.Hit, Engine.BeginAccess(iova, Page, kind, purpose, out _, out var token));
        return token;
    }

    public AccessResult Access(ulong iova, AccessKind kind = AccessKind.Write, DmaPurpose purpose = DmaPurpose.Payload)
    {
        var result = Engine.BeginAccess(iova, Page, kind, purpose, out _, out var token);
        Engine.EndAccess(token);
        return result;
    }

    /// <summary>Advances the clock and lets the engine process what fell due, as the host's timer would.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Engine.OnTimer();
    }

    public void AdvanceMs(double ms) => Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Runs the host's timer loop until nothing is scheduled before <paramref name="until"/>.</summary>
    public void RunUntil(DateTimeOffset until)
    {
        while (Engine.NextDeadline is DateTimeOffset next && next <= until)
        {
            if (next > Time.GetUtcNow())
            {
                Time.SetUtcNow(next);
            }

            Engine.OnTimer();
        }

        if (until > Time.GetUtcNow())
        {
            Time.SetUtcNow(until);
        }

        Engine.OnTimer();
    }

    public List<EngineEffect> Drain()
    {
        var effects = new List<EngineEffect>();
        while (Engine.TryTakeEffect(out var effect))
        {
            effects.Add(effect);
        }

        return effects;
    }

    public static List<EffectKind> Kinds(IEnumerable<EngineEffect> effects) => effects.Select(e => e.Kind).ToList();

    public static EngineEffect Single(IEnumerable<EngineEffect> effects, EffectKind kind) => Assert.Single(effects, e => e.Kind == kind);

    public static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);
}
