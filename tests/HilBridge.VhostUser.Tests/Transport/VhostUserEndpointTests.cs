using System.Runtime.InteropServices;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

public class VhostUserEndpointTests
{
    [Fact]
    public void TryReceive_PeerClosedAtMessageBoundary_ReturnsFalse()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (receiver)
        {
            sender.Dispose();

            Assert.False(receiver.TryReceive(out _, out _, out var fds));
            Assert.Same(ReceivedFds.Empty, fds);
        }
    }

    [Fact]
    public async Task TryReceive_PeerTricklesOneByteAtATime_MessageDeadlineNotExtended()
    {
        // Each byte comes well within the timeout, the message as a whole does not: one deadline per message.
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var message = new byte[VhostUserHeader.Length + 8];
            VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8).Write(message);
            using var stop = new CancellationTokenSource();
            var trickle = Task.Run(() =>
            {
                for (var i = 0; i < message.Length && !stop.IsCancellationRequested; i++)
                {
                    RawSocket.Write(sender.Socket, message.AsSpan(i, 1));
                    Thread.Sleep(100);
                }
            });

            var e = Assert.Throws<VhostUserReceiveTimeoutException>(() =>
                receiver.TryReceive(out _, out _, out _, Timeout.InfiniteTimeSpan, TimeSpan.FromMilliseconds(400)));

            stop.Cancel();
            await trickle;
            Assert.True(e.MidMessage);
            Assert.Contains("stopped mid-message", e.Message);
        }
    }

    [Fact]
    public void TryReceive_WholeMessageWithinDeadlines_Received()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var message = new byte[VhostUserHeader.Length + 8];
            VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8).Write(message);
            RawSocket.Write(sender.Socket, message);

            Assert.True(receiver.TryReceive(out var header, out var payload, out var fds, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)));

            fds.Dispose();
            Assert.Equal((uint)VhostUserRequest.SetFeatures, header.Request);
            Assert.Equal(8, payload.Length);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(12 + 3)]
    public void TryReceive_PeerClosedMidMessage_ThrowsProtocolException(int bytesSent)
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (receiver)
        {
            var message = new byte[VhostUserHeader.Length + 8];
            VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8).Write(message);
            RawSocket.Write(sender.Socket, message.AsSpan(0, bytesSent));
            sender.Dispose();

            var e = Assert.Throws<VhostUserProtocolException>(() => receiver.TryReceive(out _, out _, out _));

            Assert.Contains("mid-message", e.Message);
        }
    }

    [Fact]
    public void Send_CoalescingWithIotlbMessagesQueued_RepliesHeldUntilTheLastThenAllInOrder()
    {
        var (frontend, backend) = FdPassingTests.Pair();
        using (frontend)
        using (backend)
        {
            backend.CoalesceReplies = true;
            for (var i = 0; i < 3; i++)
            {
                SendIotlb(frontend, i);
            }

            for (var i = 0; i < 3; i++)
            {
                Assert.True(backend.TryReceive(out var header, out _, out var fds));
                fds.Dispose();
                backend.Send(VhostUserHeader.ForReply(header.Request, U64Payload.Length), U64Bytes((ulong)i));
                // Held while another IOTLB message waits in the buffer; all out with the last one's reply.
                Assert.Equal(i < 2 ? 0 : 1, Readable(frontend));
            }

            for (var i = 0; i < 3; i++)
            {
                Assert.True(frontend.TryReceive(out _, out var payload, out var fds));
                fds.Dispose();
                Assert.Equal((ulong)i, U64Payload.Read(payload));
            }
        }
    }

    [Fact]
    public async Task Send_CoalescingAndAnotherThreadSends_CollectedRepliesGoFirst()
    {
        var (frontend, backend) = FdPassingTests.Pair();
        using (frontend)
        using (backend)
        {
            backend.CoalesceReplies = true;
            SendIotlb(frontend, 0);
            SendIotlb(frontend, 1);
            Assert.True(backend.TryReceive(out var header, out _, out var fds));
            fds.Dispose();
            backend.Send(VhostUserHeader.ForReply(header.Request, U64Payload.Length), U64Bytes(7));
            Assert.Equal(0, Readable(frontend));

            await Task.Run(() => backend.Send(VhostUserHeader.ForReply(header.Request, U64Payload.Length), U64Bytes(8)));

            Assert.True(frontend.TryReceive(out _, out var first, out var f1));
            Assert.Equal(7UL, U64Payload.Read(first));
            Assert.True(frontend.TryReceive(out _, out var second, out var f2));
            Assert.Equal(8UL, U64Payload.Read(second));
            f1.Dispose();
            f2.Dispose();
        }
    }

    [Fact]
    public void Send_NotCoalescing_ReplyGoesOutAtOnce()
    {
        var (frontend, backend) = FdPassingTests.Pair();
        using (frontend)
        using (backend)
        {
            SendIotlb(frontend, 0);
            SendIotlb(frontend, 1);
            Assert.True(backend.TryReceive(out var header, out _, out var fds));
            fds.Dispose();

            backend.Send(VhostUserHeader.ForReply(header.Request, U64Payload.Length), U64Bytes(1));

            Assert.Equal(1, Readable(frontend));
        }
    }

    private static void SendIotlb(VhostUserEndpoint frontend, int page)
    {
        var payload = new byte[IotlbMessage.Length];
        IotlbMessage.Invalidate(0x1000UL * (ulong)page, 4096).Write(payload);
        frontend.Send(VhostUserHeader.ForRequest(VhostUserRequest.IotlbMsg, payload.Length, needReply: true), payload);
    }

    private static byte[] U64Bytes(ulong value)
    {
        var bytes = new byte[U64Payload.Length];
        U64Payload.Write(value, bytes);
        return bytes;
    }

    private static int Readable(VhostUserEndpoint endpoint)
    {
        Span<bool> ready = stackalloc bool[1];
        return FdPoll.WaitReadable([endpoint.Socket], ready, 0);
    }

    [Fact]
    public void TryReceive_OversizedHeader_ThrowsWithoutWaitingForPayload()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            receiver.SetReceiveTimeout(TimeSpan.FromSeconds(5));
            var header = new byte[VhostUserHeader.Length];
            new VhostUserHeader((uint)VhostUserRequest.SetConfig, VhostUserHeaderFlags.Version1, uint.MaxValue).Write(header);
            RawSocket.Write(sender.Socket, header);

            var e = Assert.Throws<VhostUserProtocolException>(() => receiver.TryReceive(out _, out _, out _));

            Assert.Contains("exceeds the limit", e.Message);
            Assert.Equal((uint)VhostUserRequest.SetConfig, e.Request);
        }
    }

    [Fact]
    public async Task TryReceive_MessageWrittenInPieces_Reassembled()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var message = new byte[VhostUserHeader.Length + 8];
            VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8).Write(message);
            U64Payload.Write(0x1234, message.AsSpan(VhostUserHeader.Length));
            var writer = Task.Run(() =>
            {
                foreach (var (start, length) in new[] { (0, 5), (5, 9), (14, 6) })
                {
                    RawSocket.Write(sender.Socket, message.AsSpan(start, length));
                    Thread.Sleep(20);
                }
            });

            Assert.True(receiver.TryReceive(out var header, out var payload, out var fds));

            Assert.Equal((uint)VhostUserRequest.SetFeatures, header.Request);
            Assert.Equal(0x1234UL, U64Payload.Read(payload));
            fds.Dispose();
            await writer;
        }
    }

    [Fact]
    public void TryReceive_NothingArrivesBeforeTimeout_ThrowsTimeoutException()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            receiver.SetReceiveTimeout(TimeSpan.FromMilliseconds(50));

            Assert.Throws<TimeoutException>(() => receiver.TryReceive(out _, out _, out _));
        }
    }

    [Fact]
    public async Task Shutdown_WhileReceiveBlocked_ReceiveReturnsFalse()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var blocked = Task.Run(() => receiver.TryReceive(out _, out _, out _));
            Thread.Sleep(50);

            receiver.Shutdown();

            Assert.False(await blocked.WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public void Send_SizeDisagreesWithPayload_ThrowsArgumentException()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            Assert.Throws<ArgumentException>(() => sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetFeatures, 8), new byte[4]));
        }
    }

    [Fact]
    public void Send_NineFds_ThrowsArgumentException()
    {
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var handles = Enumerable.Repeat((SafeHandle)sender.Socket, 9).ToArray();

            Assert.Throws<ArgumentException>(() => sender.Send(VhostUserHeader.ForRequest(VhostUserRequest.SetMemTable, 0), ReadOnlySpan<byte>.Empty, handles));
        }
    }

    [Fact]
    public async Task Send_FromManyThreadsAtOnce_MessagesNeverInterleave()
    {
        const int Threads = 4;
        const int PerThread = 300;
        var (sender, receiver) = FdPassingTests.Pair();
        using (sender)
        using (receiver)
        {
            var writers = Enumerable.Range(1, Threads).Select(id => Task.Run(() =>
            {
                var payload = Enumerable.Repeat((byte)id, 3000).ToArray();
                for (var i = 0; i < PerThread; i++)
                {
                    sender.Send(new VhostUserHeader((uint)id, VhostUserHeaderFlags.Version1, (uint)payload.Length), payload);
                }
            })).ToArray();

            for (var i = 0; i < Threads * PerThread; i++)
            {
                Assert.True(receiver.TryReceive(out var header, out var payload, out var fds));
                fds.Dispose();
                Assert.Equal(3000, payload.Length);
                Assert.True(payload.IndexOfAnyExcept((byte)header.Request) < 0, "payload bytes from another message");
            }

            await Task.WhenAll(writers);
        }
    }
}
