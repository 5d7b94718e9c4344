using HilBridge.Core.Engine;
using HilBridge.VhostUser.Session;

namespace HilBridge.Host.Device;

/// <summary>
/// Pairs QEMU's pending IOTLB INVALIDATE replies with the engine's request ids, so the engine's
/// AckInvalidation effect (from any thread, under the engine lock) completes the right reply.
/// </summary>
internal sealed class InvalidationReplies(EngineGate engine)
{
    private readonly Dictionary<ulong, DeferredReply> _pending = [];
    private ulong _nextId;

    public void Invalidate(ulong iova, ulong size, DeferredReply reply) =>
        engine.Run(e =>
        {
            var id = ++_nextId;
            _pending[id] = reply;
            e.OnIotlbInvalidate(id, iova, size);
        });

    /// <summary>Called for AckInvalidation effects, already under the engine lock.</summary>
    public void Complete(in EngineEffect ack)
    {
        if (_pending.Remove(ack.RequestId, out var reply))
            reply.Complete(ack.Status); // a no-op if the session is gone
    }
}
