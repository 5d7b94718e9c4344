using HilBridge.Core.Engine;

namespace HilBridge.Live.Device;

/// <summary>The engine's answer about one of a requester's invalidations (AckInvalidation or InvalidationTimedOut), under the engine lock: be quick.</summary>
public delegate void InvalidationAnswered(in EngineEffect answer);

/// <summary>
/// Routes the engine's answers about an invalidation back to whoever asked for it: QEMU's vhost-user IOTLB
/// INVALIDATE (<see cref="InvalidationReplies"/>) or the SMMU's ATS port. Each requester registers a callback
/// and takes its request ids from here, so the registry knows the owner of every id until its acknowledgement;
/// one counter keeps ids unique across requesters (the engine treats them as opaque, and traces record them).
/// Also measures what each requester waits: from taking the id (receipt) to its acknowledgement's callback.
/// </summary>
public sealed class InvalidationCompletions(TimeProvider time)
{
    private readonly Dictionary<ulong, (InvalidationRequester Owner, long IssuedAt)> _outstanding = [];
    private ulong _lastId;

    /// <summary>Each acknowledgement's measured latency (request id, receipt to answer), for the run's timeline; under the engine lock: be quick.</summary>
    public Action<ulong, TimeSpan>? AckMeasured { get; set; }

    /// <summary>Registers a requester whose invalidations are answered through <paramref name="onAnswer"/>.</summary>
    public InvalidationRequester Register(InvalidationAnswered onAnswer) => new(this, onAnswer);

    /// <summary>
    /// Hands an AckInvalidation or InvalidationTimedOut effect to the requester owning its id (an acknowledgement
    /// ends the id; a timeout does not, the acknowledgement follows). Other effects and unknown ids are ignored.
    /// </summary>
    public void Dispatch(in EngineEffect effect)
    {
        var acknowledged = effect.Kind == EffectKind.AckInvalidation;
        if (!acknowledged && effect.Kind != EffectKind.InvalidationTimedOut)
        {
            return;
        }

        (InvalidationRequester Owner, long IssuedAt) pending;
        lock (_outstanding)
        {
            var known = acknowledged
                ? _outstanding.Remove(effect.RequestId, out pending)
                : _outstanding.TryGetValue(effect.RequestId, out pending);
            if (!known)
            {
                return;
            }
        }
        if (pending.Owner.IsClosed)
        {
            return;
        }

        pending.Owner.OnAnswer(effect);
        if (acknowledged)
        {
            var latency = time.GetElapsedTime(pending.IssuedAt);
            pending.Owner.AckLatency.Record(latency);
            AckMeasured?.Invoke(effect.RequestId, latency);
        }
    }

    internal ulong Issue(InvalidationRequester owner)
    {
        lock (_outstanding)
        {
            var id = ++_lastId;
            _outstanding[id] = (owner, time.GetTimestamp());
            return id;
        }
    }
}
