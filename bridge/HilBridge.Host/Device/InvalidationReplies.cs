using HilBridge.Core.Engine;
using HilBridge.VhostUser.Session;

namespace HilBridge.Host.Device;

/// <summary>
/// Pairs QEMU's pending IOTLB INVALIDATE replies with the engine's request ids, so the engine's
/// AckInvalidation effect (from any thread, under the engine lock) completes the right reply.
/// Also measures what the guest pays: the wall time from receiving an INVALIDATE to replying.
/// </summary>
internal sealed class InvalidationReplies(EngineGate engine, TimeProvider time)
{
    private readonly Dictionary<ulong, (DeferredReply Reply, long ReceivedAt)> _pending = [];
    private ulong _nextId;

    /// <summary>Receipt-to-reply latency of every acknowledged invalidation (written and read under the engine lock).</summary>
    public LatencyHistogram AckLatency { get; } = new();

    public void Invalidate(ulong iova, ulong size, DeferredReply reply)
    {
        ulong id;
        lock (_pending)
        {
            id = ++_nextId;
            _pending[id] = (reply, time.GetTimestamp());
        }
        // The ack may come right away, from inside this call (engine lock, then ours: one lock order).
        engine.Apply(new EngineInput(EngineInputKind.IotlbInvalidate, default, iova, size, Id: id));
    }

    /// <summary>Called for AckInvalidation effects, already under the engine lock.</summary>
    public void Complete(in EngineEffect ack)
    {
        (DeferredReply Reply, long ReceivedAt) pending;
        lock (_pending)
        {
            if (!_pending.Remove(ack.RequestId, out pending))
                return;
        }
        pending.Reply.Complete(ack.Status); // a no-op if the session is gone
        AckLatency.Record(time.GetElapsedTime(pending.ReceivedAt));
    }
}
