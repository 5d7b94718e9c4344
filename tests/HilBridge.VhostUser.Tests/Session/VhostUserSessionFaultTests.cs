using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

/// <summary>Malformed messages fault the session: logged, connection closed, cause kept, back-end told.</summary>
[Collection(FdCountingCollection.Name)]
public class VhostUserSessionFaultTests
{
    public static TheoryData<string, uint, uint, byte[]> MalformedMessages => new()
    {
        { "bad version", (uint)VhostUserRequest.GetFeatures, 0x2u, [] },
        { "reply flag on a request", (uint)VhostUserRequest.GetFeatures, 0x5u, [] },
        { "payload on GET_FEATURES", (uint)VhostUserRequest.GetFeatures, 0x1u, new byte[8] },
        { "short SET_VRING_NUM", (uint)VhostUserRequest.SetVringNum, 0x1u, new byte[4] },
        { "long SET_VRING_ADDR", (uint)VhostUserRequest.SetVringAddr, 0x1u, new byte[48] },
        { "IOTLB of 40 bytes", (uint)VhostUserRequest.IotlbMsg, 0x9u, new byte[40] },
        { "nine regions", (uint)VhostUserRequest.SetMemTable, 0x1u, NineRegionTable() },
        { "config size 300", (uint)VhostUserRequest.GetConfig, 0x1u, ConfigClaiming(300) },
        { "kick reserved bits", (uint)VhostUserRequest.SetVringKick, 0x1u, [0, 0, 0, 0, 0, 0, 0, 0x80] },
    };

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public async Task MalformedMessage_Any_FaultsAndClosesConnection(string description, uint request, uint flags, byte[] payload)
    {
        var h = new SessionHarness();
        h.Initialize();

        h.Frontend.SendRaw(request, (VhostUserHeaderFlags)flags, payload);

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.ProtocolError, await h.Session.Completion);
        var fault = Assert.IsType<VhostUserProtocolException>(h.Session.Fault);
        Assert.Equal(request, fault.Request);
        Assert.True(h.Logger.Has(3), description);
        Assert.StartsWith("protocol error", await h.Backend.Disconnected.Task);
        Assert.False(h.Frontend.Endpoint.TryReceive(out _, out _, out _));
        h.Dispose();
    }

    [Fact]
    public async Task OversizedPayload_Header_FaultsBeforeReading()
    {
        var h = new SessionHarness();
        var header = new byte[VhostUserHeader.Length];
        new VhostUserHeader((uint)VhostUserRequest.SetConfig, VhostUserHeaderFlags.Version1, 1 << 24).Write(header);

        RawSocket.Write(h.Frontend.Endpoint.Socket, header);

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.ProtocolError, await h.Session.Completion);
        Assert.Contains("exceeds the limit", h.Session.Fault!.Message);
        h.Dispose();
    }

    [Fact]
    public async Task TruncatedMessage_PeerClosesMidPayload_Faults()
    {
        var h = new SessionHarness();
        var message = new byte[VhostUserHeader.Length + 4];
        VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8).Write(message);

        RawSocket.Write(h.Frontend.Endpoint.Socket, message);
        h.Frontend.Dispose();

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.ProtocolError, await h.Session.Completion);
    }

    [Fact]
    public async Task SetMemTable_MoreFdsThanRegions_FaultsAndNoFdLeaks()
    {
        var h = new SessionHarness();
        h.Initialize();
        using var memfd = SharedMemory.CreateMemfd("ram", 0x10000);
        using var extra = EventFd.Create();
        var baseline = FdCount.Baseline();

        h.Frontend.SetMemTable([new MemoryRegionDescription(0, 0x10000, 0x1000_0000, 0)], [memfd, extra.Handle]);

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.ProtocolError, await h.Session.Completion);
        Assert.Contains("expected 1 fds, got 2", h.Session.Fault!.Message);
        Assert.False(h.Backend.Saw("SetMemoryTable"));
        h.Dispose();
        // Both ends of the main socket and of the back-end channel are gone; nothing else changed.
        Assert.Equal(baseline - 4, FdCount.Settled(baseline - 4));
    }

    [Fact]
    public async Task SetVringKick_NoFdBitButFdSent_FaultsAndFdClosed()
    {
        var h = new SessionHarness();
        h.Initialize();
        using var kick = EventFd.Create();
        var baseline = FdCount.Baseline();
        Span<byte> payload = stackalloc byte[8];
        new VringFileIndex(0, NoFd: true).Write(payload);

        h.Frontend.SendRaw((uint)VhostUserRequest.SetVringKick, VhostUserHeaderFlags.Version1, payload, [kick.Handle]);

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.ProtocolError, await h.Session.Completion);
        h.Dispose();
        Assert.Equal(baseline - 4, FdCount.Settled(baseline - 4));
    }

    [Fact]
    public void Session_ManyFdCarryingRequests_NoFdLeakAfterDisconnect()
    {
        var baseline = FdCount.Baseline();
        var h = new SessionHarness();
        h.Initialize();
        using (var memfd = SharedMemory.CreateMemfd("ram", 0x10000))
        {
            for (var i = 0; i < 20; i++)
            {
                using var kick = EventFd.Create();
                using var call = EventFd.Create();
                h.Frontend.SetVringKick(0, kick.Handle, needReply: true);
                h.Frontend.SetVringCall(0, call.Handle, needReply: true);
                h.Frontend.SetMemTable([new MemoryRegionDescription(0, 0x10000, 0x1000_0000, 0)], [memfd], needReply: true);
            }
        }

        h.Dispose();

        Assert.Equal(baseline, FdCount.Settled(baseline));
    }

    private static byte[] NineRegionTable()
    {
        var payload = new byte[MemoryTableMessage.LengthFor(9)];
        payload[0] = 9;
        return payload;
    }

    private static byte[] ConfigClaiming(int size)
    {
        var payload = new byte[ConfigHeader.Length + 8];
        BitConverter.TryWriteBytes(payload.AsSpan(4), (uint)size);
        return payload;
    }
}
