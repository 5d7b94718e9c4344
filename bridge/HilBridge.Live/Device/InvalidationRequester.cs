using HilBridge.Core.Engine;

namespace HilBridge.Live.Device;

/// <summary>
/// One requester's registration with <see cref="InvalidationCompletions"/>: it takes a request id for each
/// invalidation it gives the engine, and the engine's answers for those ids come back to its callback.
/// </summary>
public sealed class InvalidationRequester : IDisposable
{
    private readonly InvalidationCompletions _completions;
    private volatile bool _closed;

    internal InvalidationRequester(InvalidationCompletions completions, InvalidationAnswered onAnswer)
    {
        _completions = completions;
        OnAnswer = onAnswer;
    }

    /// <summary>Receipt-to-acknowledgement latency of this requester's invalidations (written under the engine lock; read it there).</summary>
    public LatencyHistogram AckLatency { get; } = new();

    internal InvalidationAnswered OnAnswer { get; }

    internal bool IsClosed => _closed;

    /// <summary>A fresh request id owned by this requester, received now (the latency counts from here).</summary>
    public ulong NewRequestId() => _completions.Issue(this);

    /// <summary>Stops the callbacks (the requester went away); answers for its ids are dropped.</summary>
    public void Dispose() => _closed = true;
}
