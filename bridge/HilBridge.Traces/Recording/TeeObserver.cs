using HilBridge.Core.Engine;

namespace HilBridge.Traces.Recording;

/// <summary>Shows every callback to several observers, in order.</summary>
public sealed class TeeObserver(params IEngineObserver[] observers) : IEngineObserver
{
    public void OnInput(in EngineInput input, AccessResult? result)
    {
        foreach (var o in observers)
        {
            o.OnInput(input, result);
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
