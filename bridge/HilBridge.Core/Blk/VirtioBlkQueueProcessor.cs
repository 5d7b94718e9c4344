using HilBridge.Core.Dma;
using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>
/// One kick's worth of work for a virtio-blk queue: pop every available chain, serve it, push it used,
/// then decide once whether the driver wants an interrupt. Requests complete in order, one at a time,
/// so used idx always catches up with avail before the queue goes idle (GET_VRING_BASE relies on it).
/// </summary>
public static class VirtioBlkQueueProcessor
{
    /// <param name="queue">The queue; payload DMA goes through its <see cref="SplitVirtqueue.Dma"/>.</param>
    /// <param name="device">The request model.</param>
    /// <param name="chain">A reusable segment list (one per queue thread).</param>
    /// <param name="inflight">Told about each request's progress, for resubmission after a restart; null for none.</param>
    /// <param name="completed">Shown each request that did not simply succeed (failed, or its status byte unwritten) once it is published, with its head; null for none.</param>
    public static QueueRunResult ProcessAvailable(SplitVirtqueue queue, VirtioBlkRequestProcessor device, List<DescriptorSegment> chain, IInflightTracker? inflight = null,
        Action<ushort, RequestResult>? completed = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(chain);

        int published = 0, failed = 0, badChains = 0, statusUnwritten = 0;
        ulong bytesRead = 0, bytesWritten = 0;
        var lastChainError = ChainStatus.Ok;
        var lastFailure = RequestOutcome.Ok;

        while (queue.TryPopAvailable(out var head, out _))
        {
            inflight?.Popped(head);
            var walk = queue.ReadChain(head, chain);
            RequestResult result;
            if (walk == ChainStatus.Ok)
            {
                Prefetch(queue.Dma, chain);
                result = device.Process(queue.Dma, chain);
            }
            else
            {
                result = VirtioBlkRequestProcessor.CompleteBadChain(queue.Dma, chain);
                badChains++;
                lastChainError = walk;
            }

            // The data moved whether or not the used ring takes the completion.
            bytesRead += result.BytesRead;
            bytesWritten += result.BytesWritten;
            if (result.StatusDma == DmaStatus.Unanswered)
            {
                // Published without its status byte, the request would read as the byte's old value
                // (Linux does not check the used length): the queue stops with the request unpublished.
                queue.FaultStatusUnwritable(head, result.StatusAddress, result.StatusDma);
                completed?.Invoke(head, result);
                break;
            }

            inflight?.Publishing(head);
            if (!queue.PushUsed(head, result.UsedLength))
            {
                break;
            }

            inflight?.Published(head, queue.NextUsed);
            published++;
            var unwritten = !result.StatusWritten;
            if (unwritten)
            {
                statusUnwritten++;
            }

            var bad = result.Status != VirtioBlkStatus.Ok || result.Outcome != RequestOutcome.Ok;
            if (bad)
            {
                failed++;
                lastFailure = result.Outcome;
            }

            if (bad || unwritten)
            {
                completed?.Invoke(head, result);
            }
        }

        var notify = published > 0 && queue.ShouldNotify();
        return new QueueRunResult(
            published, failed, badChains, statusUnwritten, bytesRead, bytesWritten, notify,
            lastChainError, lastFailure, queue.Error);
    }

    /// <summary>The chain's buffers in the order the request uses them: header, data, status.</summary>
    private static void Prefetch(IDmaSpace dma, List<DescriptorSegment> chain)
    {
        if (dma is not ITranslationPrefetch prefetch)
        {
            return;
        }

        foreach (var segment in chain)
        {
            prefetch.Prefetch(segment.Address, segment.Length, segment.DeviceWritable ? AccessKind.Write : AccessKind.Read);
        }
    }
}
