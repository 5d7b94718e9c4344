using HilBridge.Core.Engine;

namespace HilBridge.Live.Run;

/// <summary>
/// An engine observer whose target can be attached and detached while the engine runs (a trace
/// segment started from the control plane). The bridge's observer must be set before it starts, so
/// the run installs this empty tap then; an empty tap costs one volatile read per callback.
/// Callbacks arrive under the engine lock: the target must be quick and must not block.
/// </summary>
public sealed class EngineTap : IEngineObserver
{
    private IEngineObserver? _target;

    public IEngineObserver? Target => Volatile.Read(ref _target);

    /// <summary>Attaches <paramref name="observer"/> unless another one is attached.</summary>
    public bool TryAttach(IEngineObserver observer) => Interlocked.CompareExchange(ref _target, observer, null) is null;

    /// <summary>Detaches <paramref name="observer"/> if it is the one attached; it may still see a callback already under way.</summary>
    public void Detach(IEngineObserver observer) => Interlocked.CompareExchange(ref _target, null, observer);

    public void OnInput(in EngineInput input, AccessResult? result) => Volatile.Read(ref _target)?.OnInput(input, result);

    public void OnEffect(in EngineEffect effect) => Volatile.Read(ref _target)?.OnEffect(effect);
}
