using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>What one pass over a queue did, for the host's counters and its interrupt decision.</summary>
/// <param name="Completed">Chains popped and pushed to the used ring.</param>
/// <param name="Failed">Of those, completed with a status other than OK (bad chains included).</param>
/// <param name="BadChains">Of those, chains the ring walk rejected.</param>
/// <param name="StatusUnwritten">Of those, chains whose status byte could not be written.</param>
/// <param name="BytesRead">Bytes read from the store into guest memory.</param>
/// <param name="BytesWritten">Bytes written from guest memory to the store.</param>
/// <param name="Notify">The host should signal the call eventfd.</param>
/// <param name="LastChainError">The last ring-walk failure of this pass (Ok when none).</param>
/// <param name="LastFailure">The last failed request's outcome (Ok when none).</param>
/// <param name="QueueError">The queue's sticky error; when set, the queue serves nothing more until rebuilt.</param>
public readonly record struct QueueRunResult(
    int Completed,
    int Failed,
    int BadChains,
    int StatusUnwritten,
    ulong BytesRead,
    ulong BytesWritten,
    bool Notify,
    ChainStatus LastChainError,
    RequestOutcome LastFailure,
    QueueError QueueError);
