using System.Buffers.Binary;
using System.Net.Sockets;
using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Tests.Device;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Live.Tests.AtsPort;

/// <summary>The ATS port endpoint over a real UNIX socket, with this test playing QEMU's SMMU and a real engine behind it.</summary>
public sealed class AtsPortEndpointTests
{
    private const ulong Page = FrontendHarness.IovaBase + FrontendHarness.DataOffset;

    // How long an expected answer may take: these tests run beside live guests on 2 loaded cores.
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AtcInvalidate_HealthyDevice_CompletesWithItsTag()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendHello(timeoutMs: 1000);
        smmu.SendAtcInvalidate(tag: 7, sid: 0x100, Page, 4096);

        Assert.Equal(new AtcInvalidationDone(7, 0), smmu.ReadDone(Answer));
        var stats = await WaitFor(port, s => s.CompletionsSent == 1);
        Assert.Equal(1, stats.AtcInvalidations);
        Assert.Equal(1000u, stats.SmmuTimeoutMs);
        Assert.Equal(1, h.Bridge.Statistics().Engine.Invalidations);
    }

    [Fact]
    public async Task AtcInvalidate_DelayPolicy_CompletionWaitsForTheDevice()
    {
        var engine = new EngineOptions { Policy = new FaultPolicy(new FaultRule { Delay = Distribution.Fixed(0.2) }) };
        using var h = new FrontendHarness(engine);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        var sent = DateTime.UtcNow;
        smmu.SendAtcInvalidate(tag: 3, sid: 0x100, Page, 4096);

        Assert.Equal(new AtcInvalidationDone(3, 0), smmu.ReadDone(Answer));
        Assert.True(DateTime.UtcNow - sent >= TimeSpan.FromMilliseconds(180), "the completion must carry the injected delay");
        var stats = await WaitFor(port, s => s.CompletionsSent == 1);
        Assert.True(stats.CompletionDelayP50 >= TimeSpan.FromMilliseconds(180));
    }

    [Fact]
    public async Task AtcInvalidate_DroppedUntilEngineTimeout_CompletionWithheldAndStaleUseIsUaf()
    {
        var engine = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromMilliseconds(100),
            FencePolicy = FencePolicy.Hope,
            Policy = new FaultPolicy(new FaultRule { Outcome = FaultOutcome.Drop }),
        };
        using var h = new FrontendHarness(engine);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendAtcInvalidate(tag: 9, sid: 0x100, Page, 4096);

        await WaitFor(port, s => s.CompletionsWithheld == 1);
        Assert.Null(smmu.TryReadDone(TimeSpan.FromMilliseconds(300)));
        // The device lost the invalidation and kept the translation: its next DMA through it is a use-after-free.
        Assert.Equal((byte)0, h.Submit(1, sector: 0, 4096, dataIova: Page));
        Assert.True(h.Bridge.Statistics().Engine.Violations > 0);
    }

    [Fact]
    public async Task AtcInvalidate_RefusedUnderHope_FailedCompletion()
    {
        var engine = new EngineOptions { FencePolicy = FencePolicy.Hope, Policy = new FaultPolicy(new FaultRule { Outcome = FaultOutcome.Refuse }) };
        using var h = new FrontendHarness(engine);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendAtcInvalidate(tag: 11, sid: 0x100, Page, 4096);

        Assert.Equal(new AtcInvalidationDone(11, 1), smmu.ReadDone(Answer));
        Assert.Equal(1, (await WaitFor(port, s => s.FailedCompletionsSent == 1)).CompletionsSent);
    }

    [Fact]
    public async Task AtcInvalidate_OtherStreamId_CompletedAtOnceWithoutTheEngine()
    {
        using var h = new FrontendHarness();
        h.Bridge.SetStreamId(0x100);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendAtcInvalidate(tag: 5, sid: 0x200, Page, 4096);

        Assert.Equal(new AtcInvalidationDone(5, 0), smmu.ReadDone(Answer));
        Assert.Equal(1, (await WaitFor(port, s => s.OtherStreamInvalidations == 1)).AtcInvalidations);
        Assert.Equal(0, h.Bridge.Statistics().Engine.Invalidations);
    }

    [Fact]
    public async Task SmmuTimeout_ThenDeviceCompletes_CountedLate()
    {
        var engine = new EngineOptions { Policy = new FaultPolicy(new FaultRule { Delay = Distribution.Fixed(0.3) }) };
        using var h = new FrontendHarness(engine);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendAtcInvalidate(tag: 4, sid: 0x100, Page, 4096);
        smmu.Send(AtsPortMessageType.AtcInvalidateTimeout, [4, 0, 0, 0, 0, 1, 0, 0]);

        Assert.Equal(new AtcInvalidationDone(4, 0), smmu.ReadDone(Answer));
        var stats = await WaitFor(port, s => s.LateCompletions == 1);
        Assert.Equal(1, stats.SmmuTimeouts);
    }

    [Fact]
    public async Task Ste_TranslatedRequestsWithdrawnThenRestored_FencesThenUnfencesTheEngine()
    {
        using var h = new FrontendHarness();
        h.Bridge.SetStreamId(0x100);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 1, true));
        smmu.SendSte(new SteState(0x100, SteConfig.Abort, 1, false));
        await WaitFor(port, s => s.SteFences == 1);
        Assert.True(h.Bridge.FenceState.IsFenced);
        Assert.Equal(FenceOrigin.GuestBlock, h.Bridge.FenceState.Origin); // an abort STE parks the device

        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 1, true));
        await WaitFor(port, s => s.SteUnfences == 1);
        Assert.False(h.Bridge.FenceState.IsFenced);
        smmu.SendAtcInvalidate(tag: 9, sid: 0x100, Page, 4096);
        await WaitFor(port, s => s.AtcInvalidationsAfterSteUnfence == 1); // ATS flowing again after the re-attach

        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 0, false)); // EATS cleared: a quarantine
        await WaitFor(port, s => s.SteFences == 2);
        Assert.Equal(FenceOrigin.GuestQuarantine, h.Bridge.FenceState.Origin);
        var engine = h.Bridge.Statistics().Engine;
        Assert.Equal((2, 1, 1, 0, 0), (engine.Fences, engine.GuestQuarantines, engine.GuestBlocks, engine.BridgeFences, engine.OperatorFences));
    }

    [Fact]
    public async Task Sync_FailedFlushCompletedAfterTheGuestsQuarantine_OrderingCountsTheFenceFirst()
    {
        using var h = new FrontendHarness();
        h.Bridge.SetStreamId(0x100);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 1, true));
        smmu.SendSync(lastTag: 4, SyncReport.AtcInvalidationFailed);
        smmu.SendSync(lastTag: 4, 0);
        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 0, false));
        smmu.SendSync(lastTag: 5, 0);

        var stats = await WaitFor(port, s => s.FlushesCompletedFenced == 1);
        Assert.Equal((1, 0), (stats.FailedFlushes, stats.FlushesCompletedUnfenced));
        Assert.NotNull(stats.FenceLeadMin);
    }

    [Fact]
    public async Task Sync_FailedFlushCompletedWithoutAFence_CountedUnfenced()
    {
        using var h = new FrontendHarness();
        h.Bridge.SetStreamId(0x100);
        await using var port = StartPort(h, out var path);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendSync(lastTag: 4, SyncReport.AtcInvalidationFailed);
        smmu.SendSync(lastTag: 4, 0);
        smmu.SendSync(lastTag: 6, 0);

        var stats = await WaitFor(port, s => s.FlushesCompletedUnfenced == 1);
        Assert.Equal((1, 0), (stats.FailedFlushes, stats.FlushesCompletedFenced));
    }

    [Fact]
    public async Task Ste_FenceAfterAnSmmuTimeout_LatencyFromTheTimeoutOnThePortsClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var h = new FrontendHarness();
        h.Bridge.SetStreamId(0x100);
        await using var port = StartPort(h, out var path, clock);
        using var smmu = SmmuSide.Connect(path);
        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 1, true));
        smmu.Send(AtsPortMessageType.AtcInvalidateTimeout, [4, 0, 0, 0, 0, 1, 0, 0]);
        await WaitFor(port, s => s.SmmuTimeouts == 1);
        Assert.Null(port.Statistics().SteFenceAfterSmmuTimeout);

        clock.Advance(TimeSpan.FromMilliseconds(480));
        smmu.SendSte(new SteState(0x100, SteConfig.Translate, 0, false)); // EATS cleared: a quarantine

        var stats = await WaitFor(port, s => s.SteFences == 1);
        Assert.Equal(TimeSpan.FromMilliseconds(480), stats.SteFenceAfterSmmuTimeout);
    }

    [Fact]
    public async Task OversizedMessage_ConnectionDropped_NextConnectionServed()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using (var bad = SmmuSide.Connect(path))
        {
            bad.SendRaw([0x02, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00]);
            Assert.True(bad.IsClosedByPeer(Answer));
        }
        await WaitFor(port, s => s.ProtocolErrors == 1);

        using var smmu = SmmuSide.Connect(path);
        smmu.SendAtcInvalidate(tag: 1, sid: 0x100, Page, 4096);
        Assert.Equal(new AtcInvalidationDone(1, 0), smmu.ReadDone(Answer));
        Assert.Equal(2, (await WaitFor(port, s => s.Connections == 2)).Connections);
    }

    private static AtsPortEndpoint StartPort(FrontendHarness h, out string path, TimeProvider? time = null)
    {
        var dir = Directory.CreateTempSubdirectory("hb-ats-");
        path = Path.Combine(dir.FullName, "ats.sock");
        return AtsPortEndpoint.Start(h.Bridge, path, time ?? TimeProvider.System, NullLoggerFactory.Instance);
    }

    private static async Task<AtsPortStatistics> WaitFor(AtsPortEndpoint port, Func<AtsPortStatistics, bool> condition)
    {
        var deadline = DateTime.UtcNow + Answer;
        while (true)
        {
            var stats = port.Statistics();
            if (condition(stats))
            {
                return stats;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"condition not reached: {stats}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>QEMU's SMMU end of the port: connects, sends messages, reads completions.</summary>
    private sealed class SmmuSide : IDisposable
    {
        private readonly Socket _socket;

        private SmmuSide(Socket socket) => _socket = socket;

        public static SmmuSide Connect(string path)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new SmmuSide(socket);
        }

        public void Send(AtsPortMessageType type, ReadOnlySpan<byte> payload)
        {
            var frame = new byte[AtsPortHeader.Size + payload.Length];
            new AtsPortHeader(type, 0, (uint)payload.Length).Write(frame);
            payload.CopyTo(frame.AsSpan(AtsPortHeader.Size));
            SendRaw(frame);
        }

        public void SendRaw(byte[] bytes) => _socket.Send(bytes);

        public void SendHello(uint timeoutMs)
        {
            var payload = new byte[AtsPortHello.Size];
            BinaryPrimitives.WriteUInt32LittleEndian(payload, 1);
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), timeoutMs);
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), 64);
            Send(AtsPortMessageType.Hello, payload);
        }

        public void SendAtcInvalidate(uint tag, uint sid, ulong address, ulong length)
        {
            var payload = new byte[AtcInvalidation.Size];
            new AtcInvalidation(tag, sid, 0, 0, false, false, address, length).Write(payload);
            Send(AtsPortMessageType.AtcInvalidate, payload);
        }

        public void SendSte(SteState ste)
        {
            var payload = new byte[SteState.Size];
            ste.Write(payload);
            Send(AtsPortMessageType.Ste, payload);
        }

        public void SendSync(uint lastTag, uint error)
        {
            var payload = new byte[SyncReport.Size];
            BinaryPrimitives.WriteUInt32LittleEndian(payload, lastTag);
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), error);
            Send(AtsPortMessageType.Sync, payload);
        }

        public AtcInvalidationDone ReadDone(TimeSpan timeout) =>
            TryReadDone(timeout) ?? throw new TimeoutException("no ATC_INV_DONE");

        public AtcInvalidationDone? TryReadDone(TimeSpan timeout)
        {
            var frame = new byte[AtsPortHeader.Size + AtcInvalidationDone.Size];
            _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            var got = 0;
            try
            {
                while (got < frame.Length)
                {
                    var n = _socket.Receive(frame, got, frame.Length - got, SocketFlags.None);
                    if (n == 0)
                    {
                        return null;
                    }

                    got += n;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
            {
                Assert.Equal(0, got);
                return null;
            }
            var header = AtsPortHeader.Read(frame);
            Assert.Equal(AtsPortMessageType.AtcInvalidateDone, header.Type);
            Assert.Equal((uint)AtcInvalidationDone.Size, header.Length);
            Assert.True(AtcInvalidationDone.TryRead(frame.AsSpan(AtsPortHeader.Size), out var done));
            return done;
        }

        public bool IsClosedByPeer(TimeSpan timeout)
        {
            _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            try
            {
                return _socket.Receive(new byte[16]) == 0;
            }
            catch (SocketException ex)
            {
                return ex.SocketErrorCode == SocketError.ConnectionReset;
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
