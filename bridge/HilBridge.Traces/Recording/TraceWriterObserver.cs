using HilBridge.Core.Engine;
using HilBridge.Traces.Format;

namespace HilBridge.Traces.Recording;

/// <summary>
/// Writes what an engine sees and decides to a <see cref="TraceWriter"/>, single-threaded (import,
/// generators, tests); the live run uses <see cref="TraceRecorder"/>.
/// </summary>
public sealed class TraceWriterObserver(TraceWriter writer) : IEngineObserver
{
    public void OnInput(in EngineInput input, AccessResult? result) => writer.WriteInput(input, result);

    public void OnEffect(in EngineEffect effect) => writer.WriteEffect(effect);
}
