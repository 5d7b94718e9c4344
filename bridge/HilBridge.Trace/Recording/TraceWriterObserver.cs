using HilBridge.Core.Engine;
using HilBridge.Trace.Format;

namespace HilBridge.Trace.Recording;

/// <summary>
/// Writes what an engine sees and decides to a <see cref="TraceWriter"/>, single-threaded (import,
/// generators, tests); BeginAccess inputs wait for their result like in <see cref="TraceRecorder"/>.
/// </summary>
public sealed class TraceWriterObserver(TraceWriter writer) : IEngineObserver
{
    private EngineInput _pending;
    private bool _hasPending;

    public void OnInput(in EngineInput input)
    {
        Flush();
        if (input.Kind == EngineInputKind.BeginAccess)
        {
            _pending = input;
            _hasPending = true;
        }
        else
        {
            writer.WriteInput(input);
        }
    }

    public void OnAccessResult(AccessResult result)
    {
        if (_hasPending)
        {
            _hasPending = false;
            writer.WriteInput(_pending, result);
        }
    }

    public void OnEffect(in EngineEffect effect)
    {
        Flush();
        writer.WriteEffect(effect);
    }

    /// <summary>Writes a BeginAccess still waiting for its result (none came).</summary>
    public void Flush()
    {
        if (_hasPending)
        {
            _hasPending = false;
            writer.WriteInput(_pending);
        }
    }
}
