namespace HilBridge.Core.Engine;

/// <summary>Sees the engine's inputs and effects in the order they happen (e.g. a trace recorder).</summary>
public interface IEngineObserver
{
    void OnInput(in EngineInput input);

    void OnEffect(in EngineEffect effect);

    /// <summary>The result of the BeginAccess just passed to <see cref="OnInput"/>, before its effects (replay compares it).</summary>
    void OnAccessResult(AccessResult result)
    {
    }
}
