using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Live.Tests.Device;

public class EngineGateTests
{
    [Fact]
    public void OnIotlbUpdate_SteadyState_AllocatesNothing()
    {
        using var gate = new EngineGate(new EngineOptions(), new FakeTimeProvider(), _ => { });
        for (var i = 0UL; i < 20_000; i++)
        {
            // Warm-up: the JIT's tiers, the ATC's and the timer's collections at their steady capacity.
            gate.OnIotlbUpdate(0x1000 * (i % 64), 0x1000, 0x7f00_0000_0000 + 0x1000 * (i % 64), AccessKind.ReadWrite);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0UL; i < 1000; i++)
        {
            gate.OnIotlbUpdate(0x1000 * (i % 64), 0x1000, 0x7f00_0000_0000 + 0x1000 * (i % 64), AccessKind.ReadWrite);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Prefetch_PagesNotHeld_OneMissEachOnceThenNoneWhileOutstanding()
    {
        using var gate = new EngineGate(new EngineOptions(), new FakeTimeProvider(), _ => { });
        gate.OnIotlbUpdate(0x2000, 0x1000, 0x7f00_0000_2000, AccessKind.ReadWrite);
        var asked = new List<ulong>();
        bool Ask(ulong iova, AccessKind kind)
        {
            asked.Add(iova);
            return true;
        }

        gate.Prefetch(0x1800, 0x3000, AccessKind.Read, Ask); // pages 0x1000 (from 0x1800), 0x2000 (held), 0x3000, 0x4000
        gate.Prefetch(0x1000, 0x4000, AccessKind.Read, Ask); // all asked for already or held

        Assert.Equal([0x1800UL, 0x3000, 0x4000], asked);
    }
}
