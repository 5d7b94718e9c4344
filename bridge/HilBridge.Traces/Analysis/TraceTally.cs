using HilBridge.Core.Engine;

namespace HilBridge.Traces.Analysis;

/// <summary>
/// Counts of what an engine saw and decided, built from records (the recording) or from a replay's
/// observer, so that both sides of a what-if comparison are counted the same way. Constant size.
/// </summary>
public sealed class TraceTally : IEngineObserver
{
    private readonly long[] _inputs = new long[Enum.GetValues<EngineInputKind>().Max(k => (int)k) + 1];
    private readonly long[] _effects = new long[Enum.GetValues<EffectKind>().Max(k => (int)k) + 1];
    private readonly long[] _results = new long[Enum.GetValues<AccessResult>().Max(k => (int)k) + 1];
    private readonly long[] _stragglers = new long[Enum.GetValues<StragglerOutcome>().Max(k => (int)k) + 1];
    private readonly Dictionary<ulong, StragglerAccess> _stragglersById = [];

    /// <summary>How many stragglers are kept by id (to match the guest's findings); all are counted.</summary>
    public const int MaxStragglersById = 4096;

    /// <summary>The first stragglers by id (traces from before straggler ids have none).</summary>
    public IReadOnlyDictionary<ulong, StragglerAccess> StragglersById => _stragglersById;
    private DateTimeOffset? _fencedSince;

    public long Inputs { get; private set; }
    public long Effects { get; private set; }
    public long AccessesWithoutResult { get; private set; }
    public long RefusedAcks { get; private set; }
    public long Violations => Effect(EffectKind.Violation);
    public long Fences => Effect(EffectKind.Fenced);
    public long Unfences => Effect(EffectKind.Unfenced);
    public long Timeouts => Effect(EffectKind.InvalidationTimedOut);
    public long Acks => Effect(EffectKind.AckInvalidation);
    public long RefusedAccesses => Result(AccessResult.Fenced);

    /// <summary>Ack latency (arrival to reply) distribution.</summary>
    public LatencyHistogram AckLatency { get; } = new();
    public TimeSpan AckLatencyTotal { get; private set; }
    public TimeSpan AckLatencyMax { get; private set; }

    /// <summary>Time spent fenced (closed fences only, plus the open one up to <see cref="Last"/>).</summary>
    public TimeSpan FencedTime => _fencedTotal + (_fencedSince is { } since && Last is { } last && last > since ? last - since : TimeSpan.Zero);
    private TimeSpan _fencedTotal;

    public DateTimeOffset? First { get; private set; }
    public DateTimeOffset? Last { get; private set; }

    public TimeSpan Duration => First is { } f && Last is { } l ? l - f : TimeSpan.Zero;

    public long Input(EngineInputKind kind) => (int)kind < _inputs.Length ? _inputs[(int)kind] : 0;
    public long Effect(EffectKind kind) => (int)kind < _effects.Length ? _effects[(int)kind] : 0;
    public long Result(AccessResult result) => _results[(int)result];
    public long Stragglers(StragglerOutcome outcome) => _stragglers[(int)outcome];

    public void AddInput(in EngineInput input, AccessResult? result)
    {
        Inputs++;
        See(input.At);
        if ((int)input.Kind < _inputs.Length)
        {
            _inputs[(int)input.Kind]++;
        }

        if (input.Kind == EngineInputKind.BeginAccess)
        {
            if (result is AccessResult r)
            {
                _results[(int)r]++;
            }
            else
            {
                AccessesWithoutResult++;
            }
        }
    }

    public void AddEffect(in EngineEffect effect)
    {
        Effects++;
        See(effect.At);
        _effects[(int)effect.Kind]++;
        switch (effect.Kind)
        {
            case EffectKind.AckInvalidation:
                if (effect.Status != 0)
                {
                    RefusedAcks++;
                }

                AckLatency.Record(effect.Latency);
                AckLatencyTotal += effect.Latency;
                if (effect.Latency > AckLatencyMax)
                {
                    AckLatencyMax = effect.Latency;
                }

                break;
            case EffectKind.Fenced:
                _fencedSince ??= effect.At;
                break;
            case EffectKind.Unfenced:
                if (_fencedSince is { } since)
                {
                    _fencedTotal += effect.At - since;
                    _fencedSince = null;
                }

                break;
            case EffectKind.StragglerAccess:
                _stragglers[(int)effect.Straggler.Outcome]++;
                if (effect.Straggler.Id != 0 && _stragglersById.Count < MaxStragglersById)
                {
                    _stragglersById[effect.Straggler.Id] = effect.Straggler;
                }

                break;
        }
    }

    public TimeSpan? AckLatencyMean => Acks == 0 ? null : AckLatencyTotal / Acks;

    // As an observer (a replay's engine): counted exactly as the records are.
    void IEngineObserver.OnInput(in EngineInput input, AccessResult? result) => AddInput(input, result);

    void IEngineObserver.OnEffect(in EngineEffect effect) => AddEffect(effect);

    private void See(DateTimeOffset at)
    {
        First ??= at;
        if (Last is null || at > Last)
        {
            Last = at;
        }
    }
}
