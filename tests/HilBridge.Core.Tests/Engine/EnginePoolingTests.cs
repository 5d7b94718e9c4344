using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using static HilBridge.Core.Tests.Engine.EngineHarness;

namespace HilBridge.Core.Tests.Engine;

/// <summary>
/// The engine reuses its invalidation and capture records (QEMU stalls a vCPU for every invalidation,
/// so the steady-state path must not allocate); reuse must never let an old record's timer or
/// reference act on the new request.
/// </summary>
public class EnginePoolingTests
{
    [Fact]
    public void SteadyState_UpdateAccessInvalidate_AllocatesNothing()
    {
        var h = new EngineHarness();
        for (int i = 0; i < 1_000; i++)
        {
            Cycle(h, (ulong)i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            Cycle(h, (ulong)i);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(11_000 * 2, h.Counters.InvalidationsAcked);
        Assert.Equal(0, h.Engine.TrackedCaptures);
    }

    [Fact]
    public void ReusedRecord_OldDeviceAnswerStillScheduled_DoesNotCompleteTheNewRequest()
    {
        // Request 0 (page B) keeps a straggler due at 40 ms at the head of the timer queue, so request 1's
        // answer (50 ms) is still queued when the fence settles request 1 and its record is reused by request 2.
        var h = new EngineHarness(Rules.Policy(
            Rules.Drop() with { Iova = new IovaRange(0xB000, 0xBFFF), Stragglers = Rules.Stragglers(1, 40) },
            Rules.Delay(50)));
        h.Map(0xB000);
        h.Map(0xA000);
        h.Engine.OnIotlbInvalidate(0, 0xB000, Page);
        h.Engine.OnIotlbInvalidate(1, 0xA000, Page); // device answer due at 50 ms
        h.AdvanceMs(10);
        h.Engine.Fence("test"); // settles request 1 at once: acked and retired
        h.AdvanceMs(10);
        h.Engine.Unfence("test");
        h.Drain();

        h.AdvanceMs(10);
        h.Map(0xC000);
        h.Engine.OnIotlbInvalidate(2, 0xC000, Page); // device answer due at 80 ms
        h.AdvanceMs(25); // 55 ms: request 1's answer fell due, and must be skipped
        Assert.DoesNotContain(h.Drain(), e => e.Kind == EffectKind.AckInvalidation);

        h.AdvanceMs(25);
        var ack = Single(h.Drain(), EffectKind.AckInvalidation);
        Assert.Equal((2UL, Ms(50)), (ack.RequestId, ack.Latency));
    }

    [Fact]
    public void ManyDroppedInvalidations_ThenRecovery_EverythingForgotten()
    {
        var h = new EngineHarness(Rules.Policy(Rules.Drop()), FencePolicy.Hope, timeout: Ms(1));
        for (ulong i = 0; i < 3 * EnginePool.MaxSpare; i++)
        {
            h.Map(0x1000 + i * Page);
            h.Engine.OnIotlbInvalidate(i, 0x1000 + i * Page, Page);
        }

        h.AdvanceMs(2);
        h.Engine.OnDeviceStopped(); // the reset empties the ATC that kept the dropped translations
        Assert.Equal(3 * EnginePool.MaxSpare, h.Counters.InvalidationsAcked);
        Assert.Equal(0, h.Engine.TrackedCaptures);
        Assert.Equal(0, h.Engine.LiveInvalidations);
    }

    private static void Cycle(EngineHarness h, ulong i)
    {
        // A miss filled by an update, DMA through it, and an invalidation that waits for that DMA.
        ulong iova = 0x10_0000 + (i % 64) * Page;
        h.Map(iova);
        // Not Assert.Equal: its comparer allocates, and this runs inside the measured window.
        if (h.Engine.BeginAccess(iova, Page, AccessKind.Write, DmaPurpose.Payload, out _, out var token) != AccessResult.Hit)
        {
            throw new InvalidOperationException($"cycle {i}: the fresh translation missed");
        }

        h.Engine.OnIotlbInvalidate(2 * i, iova, Page);
        h.Engine.EndAccess(token);

        // And one that completes at once.
        h.Map(iova);
        h.Engine.OnIotlbInvalidate(2 * i + 1, iova, Page);
        h.Time.Advance(TimeSpan.FromMicroseconds(3));
        while (h.Engine.TryTakeEffect(out _))
        {
        }
    }
}
