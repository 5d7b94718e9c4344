using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

/// <summary>SCM_RIGHTS over a real socketpair: fds arrive with their message, are claimed once, and none leak.</summary>
[Collection(FdCountingCollection.Name)]
public class FdPassingTests
{
    [Fact]
    public void Send_ThreeEventFds_ArriveAndReferToTheSameObjects()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        using var e0 = EventFd.Create();
        using var e1 = EventFd.Create();
        using var e2 = EventFd.Create();

        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetMemTable, 0), ReadOnlySpan<byte>.Empty, [e0.Handle, e1.Handle, e2.Handle]);
        Assert.True(receiver.TryReceive(out var header, out _, out var fds));

        using (fds)
        {
            Assert.Equal((uint)VhostUserRequest.SetMemTable, header.Request);
            Assert.Equal(3, fds.Count);
            using var received = new EventFd(fds.Take(2));
            Assert.True(received.Signal(7));
            Assert.True(e2.TryConsume(out var value));
            Assert.Equal(7UL, value);
        }
    }

    [Fact]
    public void Take_SameIndexTwice_Throws()
    {
        using var fds = ReceiveWithFds(1);

        using var first = fds.Take(0);

        Assert.Throws<InvalidOperationException>(() => fds.Take(0));
    }

    [Fact]
    public void Dispose_SomeClaimed_ClosesOnlyTheUnclaimed()
    {
        var baseline = FdCount.Baseline();
        var fds = ReceiveWithFds(3);
        Assert.Equal(baseline + 3, FdCount.Current());

        var kept = fds.Take(1);
        fds.Dispose();
        fds.Dispose();

        Assert.Equal(baseline + 1, FdCount.Current());
        Assert.False(kept.IsClosed);
        kept.Dispose();
        Assert.Equal(baseline, FdCount.Current());
    }

    [Fact]
    public void Receive_NineFds_ProtocolErrorAndNoneLeak()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        var originals = Enumerable.Range(0, 9).Select(_ => EventFd.Create()).ToArray();
        var baseline = FdCount.Baseline();
        var header = new byte[VhostUserHeader.Length];
        VhostUserHeader.ForRequest(VhostUserRequest.SetMemTable, 0).Write(header);

        RawSocket.Write(sender.Socket, header, originals.Select(e => RawSocket.Fd(e.Handle)).ToArray());
        var e = Assert.Throws<VhostUserProtocolException>(() => receiver.TryReceive(out _, out _, out _));

        Assert.Contains("more than 8 fds", e.Message);
        Assert.Equal(baseline, FdCount.Current());
        foreach (var original in originals)
        {
            original.Dispose();
        }
    }

    [Fact]
    public void Receive_OversizedMessageCarryingFds_ThrowsAndClosesThem()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        using var original = EventFd.Create();
        var baseline = FdCount.Baseline();
        var header = new byte[VhostUserHeader.Length];
        new VhostUserHeader((uint)VhostUserRequest.SetMemTable, VhostUserHeaderFlags.Version1, 1 << 20).Write(header);

        RawSocket.Write(sender.Socket, header, [RawSocket.Fd(original.Handle)]);

        Assert.Throws<VhostUserProtocolException>(() => receiver.TryReceive(out _, out _, out _));
        Assert.Equal(baseline, FdCount.Current());
    }

    [Fact]
    public void Receive_FdsSentWithHeaderAndWithPayload_BothBelongToTheMessage()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        using var e0 = EventFd.Create();
        using var e1 = EventFd.Create();
        var header = new byte[VhostUserHeader.Length];
        VhostUserHeader.ForRequest(VhostUserRequest.SetVringKick, 8).Write(header);

        RawSocket.Write(sender.Socket, header, [RawSocket.Fd(e0.Handle)]);
        RawSocket.Write(sender.Socket, new byte[8], [RawSocket.Fd(e1.Handle)]);
        Assert.True(receiver.TryReceive(out _, out var payload, out var fds));

        using (fds)
        {
            Assert.Equal(8, payload.Length);
            Assert.Equal(2, fds.Count);
        }
    }

    [Fact]
    public void Receive_ManyMessagesWithFdsDisposedUnclaimed_NoLeak()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        using var e0 = EventFd.Create();
        using var e1 = EventFd.Create();
        var baseline = FdCount.Baseline();

        for (var i = 0; i < 300; i++)
        {
            sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetVringCall, 8), new byte[8], [e0.Handle, e1.Handle]);
            Assert.True(receiver.TryReceive(out _, out _, out var fds));
            fds.Dispose();
        }

        Assert.Equal(baseline, FdCount.Current());
    }

    [Fact]
    public void Receive_PlainMessagesQueuedBeforeOneWithFds_FdsGoToTheirOwnMessage()
    {
        // Queued messages arrive in one read; the fds must still land on the message they came with.
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        using var e0 = EventFd.Create();
        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8), new byte[8]);
        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetOwner, 0), ReadOnlySpan<byte>.Empty);
        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetVringKick, 8), new byte[8], [e0.Handle]);
        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.GetFeatures, 0), ReadOnlySpan<byte>.Empty);

        var counts = new List<(uint, int)>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(receiver.TryReceive(out var header, out _, out var fds));
            counts.Add((header.Request, fds.Count));
            fds.Dispose();
        }

        Assert.Equal(
            [((uint)VhostUserRequest.SetFeatures, 0), ((uint)VhostUserRequest.SetOwner, 0), ((uint)VhostUserRequest.SetVringKick, 1), ((uint)VhostUserRequest.GetFeatures, 0)],
            counts);
    }

    [Fact]
    public void Receive_BurstOfQueuedIotlbMessages_AllInOrderAndWhole()
    {
        var (a, b) = Pair();
        using var sender = a;
        using var receiver = b;
        for (var i = 0; i < 100; i++)
        {
            var payload = new byte[IotlbMessage.Length];
            IotlbMessage.Invalidate(0x1000UL * (ulong)i, 4096).Write(payload);
            sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.IotlbMsg, payload.Length, needReply: true), payload);
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.True(receiver.TryReceive(out var header, out var payload, out var fds));
            fds.Dispose();
            Assert.Equal((uint)VhostUserRequest.IotlbMsg, header.Request);
            Assert.Equal(0x1000UL * (ulong)i, IotlbMessage.Read(payload).Iova);
        }

        Assert.False(receiver.HasBufferedBytes);
    }

    private static ReceivedFds ReceiveWithFds(int count)
    {
        var (sender, receiver) = Pair();
        var originals = Enumerable.Range(0, count).Select(_ => EventFd.Create()).ToArray();
        sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetMemTable, 0), ReadOnlySpan<byte>.Empty, originals.Select(e => (SafeHandle)e.Handle).ToArray());
        Assert.True(receiver.TryReceive(out _, out _, out var fds));
        foreach (var original in originals)
        {
            original.Dispose();
        }

        sender.Dispose();
        receiver.Dispose();
        return fds;
    }

    internal static (VhostUserEndpoint, VhostUserEndpoint) Pair()
    {
        var (a, b) = UnixSocket.CreatePair();
        return (new VhostUserEndpoint(a), new VhostUserEndpoint(b));
    }
}
