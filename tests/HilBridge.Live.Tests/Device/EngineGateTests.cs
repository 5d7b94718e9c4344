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

    [Fact]
    public void Prefetch_PageAskedForAndUnanswered_AskedAgainOnlyOnceTheForgetWindowHasPassed()
    {
        var time = new FakeTimeProvider();
        using var gate = new EngineGate(new EngineOptions(), time, _ => { });
        var asked = 0;
        bool Ask(ulong iova, AccessKind kind)
        {
            asked++;
            return true;
        }

        gate.Prefetch(0x1000, 0x1000, AccessKind.Read, Ask);
        time.Advance(TimeSpan.FromMilliseconds(999));
        gate.Prefetch(0x1000, 0x1000, AccessKind.Read, Ask); // still outstanding: QEMU may yet answer
        Assert.Equal(1, asked);

        time.Advance(TimeSpan.FromMilliseconds(1));
        gate.Prefetch(0x1000, 0x1000, AccessKind.Read, Ask); // presumed unanswered: asked again

        Assert.Equal(2, asked);
    }

    [Fact]
    public void BeginAccess_PagePrefetched_NoSecondMissWithinTheForgetWindowOneAfterIt()
    {
        var time = new FakeTimeProvider();
        using var gate = new EngineGate(new EngineOptions(), time, _ => { });
        gate.Prefetch(0x1000, 0x1000, AccessKind.Read, (_, _) => true);
        var misses = 0;
        bool SendMiss()
        {
            misses++;
            return true;
        }

        AccessResult Access() => gate.BeginAccess(0x1000, 0x1000, AccessKind.Read, DmaPurpose.Payload, SendMiss, TimeSpan.Zero, () => false, out _, out _);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(AccessResult.Miss, Access()); // waits for the prefetch's answer instead of asking again
        Assert.Equal(0, misses);

        gate.Prefetch(0x1000, 0x1000, AccessKind.Read, (_, _) => true);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AccessResult.Miss, Access());

        Assert.Equal(1, misses);
    }

    [Fact]
    public async Task BeginAccess_MissNeverAnswered_GivesUpWhenTheGateClockPassesTheMissTimeout()
    {
        var time = new FakeTimeProvider();
        using var gate = new EngineGate(new EngineOptions(), time, _ => { });
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var access = Task.Run(() => gate.BeginAccess(0x1000, 0x1000, AccessKind.Read, DmaPurpose.Payload, () => asked.TrySetResult(),
            TimeSpan.FromHours(1), () => false, out _, out _));

        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the miss is sent after the wait's start is taken
        time.Advance(TimeSpan.FromHours(1));

        // The waiter sees the clock within one 100 ms slice of its real wait; 30 s only bounds a hang.
        Assert.Equal(AccessResult.Miss, await access.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
