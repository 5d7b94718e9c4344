using System.Buffers.Binary;
using HilBridge.Core.Dma;
using HilBridge.Core.Virtio;

namespace HilBridge.Live.Device;

/// <summary>What resuming a ring from the inflight area found.</summary>
/// <param name="Fresh">The area was new (or reset): there was no previous back-end to take over from.</param>
/// <param name="UsedIdx">The ring's used index, where processing resumes (null if it could not be read).</param>
/// <param name="Resubmitted">Requests the previous back-end had popped and never completed.</param>
/// <param name="Mismatched">Of those, how many the avail ring does not name in that order (should be 0 for this in-order device).</param>
internal readonly record struct InflightResumeResult(bool Fresh, ushort? UsedIdx, ushort PreviousBase, int Resubmitted, int Mismatched);

/// <summary>
/// Takes a ring over from a back-end that died with requests in flight. This device completes requests
/// strictly in order, so the ones in flight are exactly the avail entries from the used index on:
/// resubmitting them means fetching again from used->idx, whatever SET_VRING_BASE said. The inflight
/// area tells how many there were (and is checked against the avail ring); the queue is rebuilt at the
/// used index. Runs on the queue thread: reading the rings may need an IOTLB miss answered.
/// </summary>
internal static class InflightResume
{
    public static InflightResumeResult Run(VringSlot ring)
    {
        var queue = ring.Queue!;
        var inflight = ring.Inflight!;
        var previousBase = queue.NextAvail;
        var fresh = inflight.Version != InflightLayout.CurrentVersion;
        if (!TryReadU16(queue.Dma, queue.UsedRing + 2, out var usedIdx))
        {
            return new InflightResumeResult(fresh, null, previousBase, 0, 0);
        }

        var heads = inflight.TakeInflight(usedIdx);
        if (fresh)
        {
            return new InflightResumeResult(true, usedIdx, previousBase, 0, 0);
        }

        var mismatched = 0;
        for (var k = 0; k < heads.Count; k++)
        {
            var slot = queue.AvailRing + 4 + 2UL * (uint)((usedIdx + k) & (queue.Size - 1));
            if (!TryReadU16(queue.Dma, slot, out var head) || head != heads[k])
            {
                mismatched++;
            }
        }

        if (queue.NextAvail != usedIdx)
        {
            ring.Queue = new SplitVirtqueue(queue.Dma, queue.Size, queue.DescTable, queue.AvailRing, queue.UsedRing, usedIdx, queue.EventIdx, queue.MaxChainBytes);
        }

        return new InflightResumeResult(false, usedIdx, previousBase, heads.Count, mismatched);
    }

    private static bool TryReadU16(IDmaSpace dma, ulong address, out ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        var ok = dma.Read(address, bytes, DmaPurpose.Control) == DmaStatus.Ok;
        value = ok ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : (ushort)0;
        return ok;
    }
}
