using HilBridge.Core.Engine;
using HilBridge.VhostUser.Session;

namespace HilBridge.Live.Device;

/// <summary>
/// QEMU's IOTLB INVALIDATE as an engine requester: each message becomes an engine invalidation whose
/// acknowledgement (from any thread, under the engine lock) completes the deferred vhost-user reply.
/// The registration measures what the guest pays: the wall time from receiving an INVALIDATE to replying.
/// </summary>
internal sealed class InvalidationReplies
{
    private readonly EngineGate _engine;
    private readonly InvalidationRequester _requester;
    private readonly Dictionary<ulong, DeferredReply> _pending = [];

    public InvalidationReplies(EngineGate engine, InvalidationCompletions completions)
    {
        _engine = engine;
        _requester = completions.Register(Complete);
    }

    /// <summary>Receipt-to-reply latency of every acknowledged invalidation (written and read under the engine lock).</summary>
    public LatencyHistogram AckLatency => _requester.AckLatency;

    public void Invalidate(ulong iova, ulong size, DeferredReply reply)
    {
        var id = _requester.NewRequestId();
        lock (_pending)
        {
            _pending[id] = reply;
        }
        // The ack may come right away, from inside this call (engine lock, then ours: one lock order).
        _engine.Apply(new EngineInput(EngineInputKind.IotlbInvalidate, default, iova, size, Id: id));
    }

    private void Complete(in EngineEffect answer)
    {
        if (answer.Kind != EffectKind.AckInvalidation)
        {
            return; // a timeout is followed by the acknowledgement the fence policy decides
        }

        DeferredReply reply;
        lock (_pending)
        {
            if (!_pending.Remove(answer.RequestId, out reply))
            {
                return;
            }
        }
        reply.Complete(answer.Status); // a no-op if the session is gone
    }
}
