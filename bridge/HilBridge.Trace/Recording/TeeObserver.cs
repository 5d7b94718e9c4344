using HilBridge.Core.Engine;

namespace HilBridge.Trace.Recording;

/// <summary>Shows every callback to several observers, in order.</summary>
public sealed class TeeObserver(params IEngineObserver[] observers) : IEngineObserver
{
    public void OnInput(in EngineInput input)
    {
        foreach (var o in observers)
        {
            o.OnInput(input);
        }
    }

    public void OnAccessResult(AccessResult result)
    {
        foreach (var o in observers)
        {
            o.OnAccessResult(result);
        }
    }

    public void OnEffect(in EngineEffect effect)
    {
        foreach (var o in observers)
        {
            o.OnEffect(effect);
        }
    }
}
