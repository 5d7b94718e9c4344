namespace HilBridge.Core.Engine;

/// <summary>
/// Sees the engine's inputs and effects in the order they happen (e.g. a trace recorder): each input once it
/// was applied, then the effects it caused.
/// </summary>
public interface IEngineObserver
{
    /// <param name="input">The input as applied (stamped with the engine's time).</param>
    /// <param name="result">BeginAccess: its result (replay compares it); null for other inputs and for an access the engine rejected.</param>
    void OnInput(in EngineInput input, AccessResult? result);

    void OnEffect(in EngineEffect effect);
}
