using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Tests.Device;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;
using static HilBridge.Live.Tests.AtsPort.HostileSmmu;

namespace HilBridge.Live.Tests.AtsPort;

/// <summary>
/// A hostile SMMU on the ATS port (a peer written from protos/ats-port.md): malformed frames, lengths,
/// tags never issued, floods, a peer that connects and stalls, a reconnect with completions still
/// queued for the old connection. The bridge must survive, count each protocol error in
/// <see cref="AtsPortStatistics.ProtocolErrors"/>, and answer every well-formed invalidation exactly once.
/// </summary>
public sealed class HostileSmmuTests
{
    private const uint Sid = 0x100;
    private const ulong Page = FrontendHarness.IovaBase + FrontendHarness.DataOffset;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    // How long an expected answer may take: these tests run beside live guests on 2 loaded cores.
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MalformedMessages_EachCountedAndSkipped_WellFormedOnesAnswered()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        // One byte short of each known type's fields: a protocol error for that message only.
        foreach (var (type, size) in new (ushort, int)[] { (Hello, 16), (AtcInv, 32), (Ste, 8), (Sync, 16), (AtcInvTimeout, 8) })
        {
            smmu.Send(Frame(type, new byte[size - 1]));
        }

        smmu.Send(Frame(0x0042, new byte[248]));                 // unknown type, largest payload: skipped
        smmu.Send(Frame(0x0000, []));                             // type 0, empty: skipped
        smmu.Send(AtcInvFrame(1, Sid, Page, 4096));
        var flagged = AtcInvFrame(2, Sid, Page, 4096);
        flagged[2] = 0xff;                                       // flags: receivers ignore them
        flagged[3] = 0xff;
        smmu.Send(flagged);
        smmu.Send(Frame(AtcInv, [.. AtcInvFrame(3, Sid, Page, 4096).AsSpan(8), .. new byte[40]])); // appended fields: ignored

        var dones = smmu.ReadDones(3, Answer);
        Assert.Equal([(1u, 0u), (2u, 0u), (3u, 0u)], dones);
        var stats = await WaitFor(port, s => s.ProtocolErrors == 7);
        Assert.Equal(3, stats.AtcInvalidations);
        Assert.Equal(1, stats.Connections);
    }

    [Fact]
    public async Task SplitAndGluedFrames_ReassembledExactly()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var smmu = Connect(path);
        smmu.Dribble([.. HelloFrame(), .. AtcInvFrame(1, Sid, Page, 4096), .. AtcInvFrame(2, Sid, Page, 4096)]);
        smmu.Send([.. AtcInvFrame(3, Sid, Page, 4096), .. AtcInvFrame(4, Sid, Page, 4096), .. AtcInvFrame(5, Sid, Page, 4096)]);

        var tags = smmu.ReadDones(5, Answer).Select(d => d.Tag).Order().ToList();
        Assert.Equal([1u, 2u, 3u, 4u, 5u], tags);
        Assert.Equal(0, port.Statistics().ProtocolErrors);
    }

    [Theory]
    [InlineData(249u)]
    [InlineData(0x8000_0000u)]
    [InlineData(uint.MaxValue)]
    public async Task OversizedLength_ConnectionDroppedAndCounted_NextSmmuServed(uint length)
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using (var bad = Connect(path))
        {
            bad.Send(HelloFrame());
            bad.Send(Frame(AtcInv, new byte[32], length: length));
            Assert.True(bad.IsClosedByPeer(Answer));
        }

        await WaitFor(port, s => s.ProtocolErrors == 1);
        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        smmu.Send(AtcInvFrame(8, Sid, Page, 4096));
        Assert.Equal([(8u, 0u)], smmu.ReadDones(1, Answer));
    }

    [Fact]
    public async Task TagsNeverIssued_TimeoutsAndSyncsForThem_ProduceNoCompletion()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        smmu.Send([.. TimeoutFrame(77, Sid), .. TimeoutFrame(0, Sid), .. TimeoutFrame(uint.MaxValue, 0xdead)]);
        smmu.Send([.. SyncFrame(12345, 3), .. SyncFrame(0, 0)]);
        smmu.Send(AtcInvFrame(5, Sid, Page, 4096));

        Assert.Equal([(5u, 0u)], smmu.ReadDonesThenQuiet(1, Quiet * 2));
        var stats = await WaitFor(port, s => s.CompletionsSent == 1);
        Assert.Equal(3, stats.SmmuTimeouts);
        Assert.Equal(0, stats.LateCompletions);
    }

    [Fact]
    public async Task TagRepeatedWhileOutstanding_AnsweredOnce()
    {
        var engine = new EngineOptions { Policy = new FaultPolicy(new FaultRule { Delay = Distribution.Fixed(0.2) }) };
        using var h = new FrontendHarness(engine);
        await using var port = StartPort(h, out var path);
        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        smmu.Send([.. AtcInvFrame(9, Sid, Page, 4096), .. AtcInvFrame(9, Sid, Page, 4096)]);

        // Two engine invalidations, one outstanding tag: one completion, the other acknowledgement ignored.
        Assert.Equal([(9u, 0u)], smmu.ReadDonesThenQuiet(1, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, h.Bridge.Statistics().Engine.Invalidations);
    }

    [Fact]
    public async Task Flood_InvalidationsAmongJunk_EachAnsweredExactlyOnce()
    {
        const int count = 3000;
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        var burst = new List<byte>();
        for (var tag = 1u; tag <= count; tag++)
        {
            burst.AddRange(AtcInvFrame(tag, Sid, Page + (tag % 16) * 4096, 4096));
            burst.AddRange(Frame((ushort)(0x0100 + tag % 7), new byte[tag % 249]));
            if (burst.Count > 60_000)
            {
                smmu.Send([.. burst]);
                burst.Clear();
            }
        }

        smmu.Send([.. burst]);
        var dones = smmu.ReadDonesThenQuiet(count, TimeSpan.FromSeconds(2));
        Assert.Equal(count, dones.Count);
        Assert.Equal(Enumerable.Range(1, count).Select(t => (uint)t), dones.Select(d => d.Tag).Order());
        Assert.All(dones, d => Assert.Equal(0u, d.Status));
        var stats = await WaitFor(port, s => s.ProtocolErrors == count);
        Assert.Equal(count, stats.CompletionsSent);
    }

    [Fact]
    public async Task StalledPeer_TheSmmuConnectingAfterIt_TakesOverAndIsServed()
    {
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var stalled = Connect(path);
        stalled.Send([0x02, 0x00, 0x00]); // three bytes of a header, then nothing
        await WaitFor(port, s => s.Connections == 1);

        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        smmu.Send(AtcInvFrame(3, Sid, Page, 4096));
        Assert.Equal([(3u, 0u)], smmu.ReadDones(1, Answer));
        Assert.True(stalled.IsClosedByPeer(Answer), "the stalled connection is replaced");
        Assert.Equal(2, (await WaitFor(port, s => s.Connections == 2)).Connections);
    }

    [Fact]
    public async Task Reconnect_CompletionsQueuedForTheOldConnection_NeverReachTheNewOne()
    {
        // The old SMMU sends many invalidations and reads nothing: its socket fills up and completions
        // queue for it. A new SMMU then connects and replays the tags still outstanding, as QEMU does
        // after a reconnect. It must get one completion per replayed tag, none of the old connection's.
        const int flood = 40_000;
        using var h = new FrontendHarness();
        await using var port = StartPort(h, out var path);
        using var old = Connect(path);
        old.Send(HelloFrame());
        var burst = new List<byte>();
        for (var tag = 1u; tag <= flood; tag++)
        {
            burst.AddRange(AtcInvFrame(tag, Sid, Page, 4096));
        }

        old.Send([.. burst]);
        await WaitFor(port, s => s.CompletionsSent == flood);

        using var smmu = Connect(path);
        smmu.Send(HelloFrame());
        var replay = new List<byte>();
        for (var tag = 1u; tag <= 10; tag++)
        {
            replay.AddRange(AtcInvFrame(tag, Sid, Page, 4096));
        }

        smmu.Send([.. replay]);
        var dones = smmu.ReadDonesThenQuiet(10, TimeSpan.FromSeconds(2));
        Assert.Equal(Enumerable.Range(1, 10).Select(t => ((uint)t, 0u)), dones.Order());
    }

    private static AtsPortEndpoint StartPort(FrontendHarness h, out string path)
    {
        var dir = Directory.CreateTempSubdirectory("hb-ats-hostile-");
        path = Path.Combine(dir.FullName, "ats.sock");
        return AtsPortEndpoint.Start(h.Bridge, path, TimeProvider.System, NullLoggerFactory.Instance);
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
}
