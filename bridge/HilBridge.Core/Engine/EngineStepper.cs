using System.Runtime.CompilerServices;

namespace HilBridge.Core.Engine;

/// <summary>
/// The one way an <see cref="AtsEngine"/> is stepped, live and in replay alike, so both run the same code on
/// the same data. Each input is stamped with max(its time, the clock) so engine time never goes backwards,
/// applied (BeginAccess is an input like any other), shown to the observer with its BeginAccess result, and
/// followed by the effects it caused, in order. Not thread-safe: the live host steps it under its lock.
/// </summary>
public sealed class EngineStepper
{
    private readonly SteppedClock _clock;

    public EngineStepper(EngineOptions options, DateTimeOffset start, IEngineObserver? observer = null)
    {
        _clock = new SteppedClock(start);
        Options = options;
        Engine = new AtsEngine(options, _clock);
        Observer = observer;
    }

    /// <summary>The engine, for queries; change it only through <see cref="Step"/>, or the observer misses the change.</summary>
    public AtsEngine Engine { get; }

    public EngineOptions Options { get; }

    /// <summary>Sees every input and effect in order (the trace recorder, the host's effect handling).</summary>
    public IEngineObserver? Observer { get; set; }

    /// <summary>The engine's time: the latest input's time, or the start.</summary>
    public DateTimeOffset Now => _clock.Now;

    /// <summary>Applies one input at max(its time, <see cref="Now"/>).</summary>
    /// <exception cref="ArgumentException">The engine rejected the input (it validates before changing state);
    /// the observer still saw it, as the recording must show what was offered.</exception>
    public StepResult Step(in EngineInput input)
    {
        if (input.At > _clock.Now)
        {
            _clock.Now = input.At;
        }
        else if (!input.At.EqualsExact(_clock.Now))
        {
            return StepStamped(input with { At = _clock.Now });
        }

        // Already stamped (in order, as replay and most live inputs are): no copy of the input.
        return StepStamped(input);
    }

    private StepResult StepStamped(in EngineInput stamped)
    {
        StepResult step;
        try
        {
            step = Apply(stamped);
        }
        catch
        {
            Observer?.OnInput(stamped, null);
            throw;
        }

        Observer?.OnInput(stamped, step.Result);
        if (Engine.HasEffects)
        {
            DeliverEffects();
        }

        return step;
    }

    // Apart, so that the inputs without effects (most) do not pay for an effect-sized local in every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverEffects()
    {
        while (Engine.TryTakeEffect(out var effect))
        {
            Observer?.OnEffect(effect);
        }
    }

    /// <summary>
    /// Virtual time (replay, import, generators) in place of the live host's timer: fires every deadline up to
    /// <paramref name="until"/> (inclusive) as a Timer input at its own time, then moves the clock to it.
    /// </summary>
    public void AdvanceTo(DateTimeOffset until)
    {
        while (Engine.NextDeadline is { } due && due <= until)
        {
            Step(new EngineInput(EngineInputKind.Timer, due));
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

    // The one place that maps an input kind to an engine call; the engine's clock already reads input.At.
    private StepResult Apply(in EngineInput input)
    {
        var engine = Engine;
        switch (input.Kind)
        {
            case EngineInputKind.BeginAccess:
                var result = engine.BeginAccess(input.Iova, input.Size, input.Access, input.Purpose, out var entry, out var token);
                return new StepResult(result, entry, token);
            case EngineInputKind.IotlbUpdate: engine.OnIotlbUpdate(input.Iova, input.Size, input.UserAddr, input.Access); break;
            case EngineInputKind.IotlbInvalidate: engine.OnIotlbInvalidate(input.Id, input.Iova, input.Size); break;
            case EngineInputKind.EndAccess: engine.EndAccess(new AccessToken(input.Id)); break;
            case EngineInputKind.DeviceStopped: engine.OnDeviceStopped(); break;
            case EngineInputKind.DeviceStarted: engine.OnDeviceStarted(); break;
            case EngineInputKind.SteInvalidated: engine.OnSteInvalidated((uint)input.Id); break;
            case EngineInputKind.Timer: engine.OnTimer(); break;
            case EngineInputKind.Fence: engine.Fence(input.Reason ?? "manual", (FenceOrigin)input.Id); break;
            case EngineInputKind.Unfence: engine.Unfence(input.Reason ?? "manual"); break;
            case EngineInputKind.SetPolicy: engine.SetPolicy(input.Policy ?? FaultPolicy.None); break;
            case EngineInputKind.SetStreamId: engine.SetStreamId((uint)input.Id); break;
            default: throw new ArgumentOutOfRangeException(nameof(input), input.Kind, "unknown engine input");
        }

        return default;
    }
}
