using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

public class BackendChannelTests
{
    [Fact]
    public void SendIotlbMiss_Open_FrontendReadsMissWithoutNeedReply()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.True(h.Backend.Channel!.SendIotlbMiss(0xfffff000, IotlbPermission.WriteOnly));

        Assert.True(h.Frontend.TryReceiveBackendMessage(5000, out var header, out var iotlb));
        Assert.Equal(new VhostUserHeader(1, VhostUserHeaderFlags.Version1, IotlbMessage.Length), header);
        Assert.Equal(IotlbMessage.Miss(0xfffff000, IotlbPermission.WriteOnly), iotlb);
    }

    [Fact]
    public void SendConfigChange_Open_FrontendReadsConfigChange()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.True(h.Backend.Channel!.SendConfigChange());

        Assert.True(h.Frontend.TryReceiveBackendMessage(5000, out var header, out _));
        Assert.Equal((uint)VhostUserBackendRequest.ConfigChangeMsg, header.Request);
        Assert.Equal(0u, header.Size);
    }

    [Fact]
    public void SendIotlbMiss_AfterSessionEnded_ReturnsFalse()
    {
        var h = new SessionHarness();
        h.Initialize();
        var channel = h.Backend.Channel!;

        h.Frontend.Dispose();
        h.WaitForEnd();

        Assert.False(channel.IsOpen);
        Assert.False(channel.SendIotlbMiss(0x1000, IotlbPermission.ReadOnly));
    }

    [Fact]
    public void SendIotlbMiss_PeerClosedItsEnd_ReturnsFalseNotThrow()
    {
        var (ours, theirs) = UnixSocket.CreatePair();
        using var channel = new BackendChannel(ours);
        theirs.Dispose();

        Assert.False(channel.SendIotlbMiss(0x1000, IotlbPermission.ReadOnly));
        Assert.False(channel.IsOpen);
    }

    [Fact]
    public async Task SendIotlbMiss_ManyThreads_EveryMessageArrivesWhole()
    {
        var (ours, theirs) = UnixSocket.CreatePair();
        using var channel = new BackendChannel(ours);
        using var reader = new VhostUserEndpoint(theirs);
        var senders = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 250; i++)
            {
                Assert.True(channel.SendIotlbMiss((ulong)((t * 1000) + i) << 12, IotlbPermission.ReadWrite));
            }
        })).ToArray();

        var seen = new HashSet<ulong>();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(reader.TryReceive(out var header, out var payload, out var fds));
            fds.Dispose();
            Assert.Equal((uint)VhostUserBackendRequest.IotlbMsg, header.Request);
            Assert.True(seen.Add(IotlbMessage.Read(payload).Iova));
        }

        await Task.WhenAll(senders);
    }
}
