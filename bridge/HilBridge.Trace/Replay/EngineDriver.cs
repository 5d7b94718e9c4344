using HilBridge.Core.Engine;

namespace HilBridge.Trace.Replay;

/// <summary>
/// Runs an <see cref="AtsEngine"/> on virtual time the way the live EngineGate runs it on real time:
/// each input is stamped (the clock never goes backwards), shown to the observer, applied, and followed
/// by its result and effects. <see cref="AdvanceTo"/> plays the host's timer: it fires the engine's
/// deadlines as Timer inputs at exactly their times. Used by what-if replay, import and generators.
/// </summary>
public sealed class EngineDriver
{
    private readonly SteppedClock _clock;

    public EngineDriver(EngineOptions options, DateTimeOffset start, IEngineObserver? observer = null)
    {
        _clock = new SteppedClock(start);
        Options = options;
        Engine = new AtsEngine(options, _clock);
        Observer = observer;
    }

    public AtsEngine Engine { get; }

    public EngineOptions Options { get; }

    public IEngineObserver? Observer { get; set; }

    public DateTimeOffset Now => _clock.Now;

    /// <summary>The token of the last BeginAccess (default unless it was a hit).</summary>
    public AccessToken LastToken { get; private set; }

    /// <summary>Applies one input at max(its time, now); returns the BeginAccess result.</summary>
    public AccessResult? Apply(in EngineInput input)
    {
        if (input.At > _clock.Now)
        {
            _clock.Now = input.At;
        }

        var stamped = input with { At = _clock.Now };
        Observer?.OnInput(stamped);
        AccessResult? result = null;
        if (stamped.Kind == EngineInputKind.BeginAccess)
        {
            var r = Engine.BeginAccess(stamped.Iova, stamped.Size, stamped.Access, stamped.Purpose, out _, out var token);
            LastToken = token;
            Observer?.OnAccessResult(r);
            result = r;
        }
        else
        {
            stamped.ApplyTo(Engine);
        }

        while (Engine.TryTakeEffect(out var effect))
        {
            Observer?.OnEffect(effect);
        }

        return result;
    }

    /// <summary>Fires every deadline up to <paramref name="until"/> (inclusive) as a Timer input at its own time.</summary>
    public void AdvanceTo(DateTimeOffset until)
    {
        while (Engine.NextDeadline is { } due && due <= until)
        {
            Apply(new EngineInput(EngineInputKind.Timer, due));
            if (Engine.NextDeadline is { } next && next <= due)
            {
                break; // cannot happen with a correct engine; never spin
            }
        }

        if (until > _clock.Now)
        {
            _clock.Now = until;
        }
    }
}
