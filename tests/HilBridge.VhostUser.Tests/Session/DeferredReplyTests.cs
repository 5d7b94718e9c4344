using System.Collections.Concurrent;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;

namespace HilBridge.VhostUser.Tests.Session;

/// <summary>IOTLB replies completed later, from other threads, while the session keeps reading.</summary>
public class DeferredReplyTests
{
    [Fact]
    public async Task Invalidate_ReplyDeferredWhileUpdateArrives_UpdateAckedFirstThenInvalidateFromOtherThread()
    {
        var pendingInvalidate = new TaskCompletionSource<DeferredReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new FakeBackend();
        backend.OnIotlb = (message, reply) =>
        {
            if (message.Type == IotlbMessageType.Invalidate)
            {
                // Hold the ack (the device is still draining its ATC) and ask for a translation meanwhile.
                backend.Channel!.SendIotlbMiss(0x2000, IotlbPermission.ReadOnly);
                pendingInvalidate.SetResult(reply);
            }
            else
            {
                reply.Succeed();
            }
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        h.Frontend.SendIotlb(IotlbMessage.Invalidate(0x1000, 0x1000));

        // QEMU 7.2 services the back-end channel while it waits: the miss arrives, it answers with an UPDATE.
        Assert.True(h.Frontend.TryReceiveBackendMessage(5000, out var missHeader, out var miss));
        Assert.Equal((uint)VhostUserBackendRequest.IotlbMsg, missHeader.Request);
        Assert.False(missHeader.NeedsReply);
        Assert.Equal(IotlbMessage.Miss(0x2000, IotlbPermission.ReadOnly), miss);
        Assert.Equal(0UL, h.Frontend.IotlbUpdate(0x2000, 0x1000, 0x7f00_0000_2000, IotlbPermission.ReadOnly));

        var invalidateReply = await pendingInvalidate.Task;
        Assert.False(invalidateReply.IsCompleted);
        var completer = new Thread(() => invalidateReply.Complete(0));
        completer.Start();
        completer.Join();

        Assert.Equal(0UL, h.Frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
        Assert.True(invalidateReply.IsCompleted);
        Assert.Equal(["Iotlb Invalidate 0x1000", "Iotlb Update 0x2000"], h.Backend.Calls.Where(c => c.StartsWith("Iotlb", StringComparison.Ordinal)));
    }

    [Fact]
    public void DeferredReplies_CompletedOutOfOrder_RepliesFollowCompletionOrder()
    {
        var pending = new ConcurrentQueue<DeferredReply>();
        var backend = new FakeBackend { OnIotlb = (_, reply) => pending.Enqueue(reply) };
        using var h = new SessionHarness(backend);
        h.Initialize();

        h.Frontend.SendIotlb(IotlbMessage.Invalidate(0x1000, 0x1000));
        h.Frontend.SendIotlb(IotlbMessage.Invalidate(0x2000, 0x1000));
        SpinWait.SpinUntil(() => pending.Count == 2, 5000);
        var replies = pending.ToArray();
        replies[1].Complete(7);
        replies[0].Complete(0);

        Assert.Equal(7UL, h.Frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
        Assert.Equal(0UL, h.Frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
    }

    [Fact]
    public void Complete_Twice_ThrowsAndSendsOnlyOnce()
    {
        DeferredReply captured = default;
        var backend = new FakeBackend
        {
            OnIotlb = (_, reply) =>
            {
                reply.Succeed();
                captured = reply;
            },
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(0x1000, 0x1000));

        Assert.Throws<InvalidOperationException>(() => captured.Complete(0));
        Assert.Equal(1UL, h.Frontend.GetQueueNum());
    }

    [Fact]
    public void Complete_StaleCopyAfterSourceReused_Throws()
    {
        var replies = new List<DeferredReply>();
        var backend = new FakeBackend
        {
            OnIotlb = (_, reply) =>
            {
                replies.Add(reply);
                reply.Succeed();
            },
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        h.Frontend.IotlbInvalidate(0x1000, 0x1000);
        h.Frontend.IotlbInvalidate(0x2000, 0x1000);

        Assert.All(replies, r => Assert.Throws<InvalidOperationException>(() => r.Complete(0)));
    }

    [Fact]
    public async Task Complete_AfterSessionEnded_IsNoOp()
    {
        var pending = new TaskCompletionSource<DeferredReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new FakeBackend { OnIotlb = (_, reply) => pending.SetResult(reply) };
        var h = new SessionHarness(backend);
        h.Initialize();
        h.Frontend.SendIotlb(IotlbMessage.Invalidate(0x1000, 0x1000));
        var reply = await pending.Task;

        h.Frontend.Dispose();
        h.WaitForEnd();

        reply.Complete(0);
        Assert.True(reply.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => reply.Complete(0));
    }

    [Fact]
    public void Complete_DefaultValue_Throws() =>
        Assert.Throws<InvalidOperationException>(() => default(DeferredReply).Complete(0));

    [Fact]
    public void OnIotlbMessage_BackendThrowsBeforeCompleting_SessionSendsFailure()
    {
        var backend = new FakeBackend { OnIotlb = (_, _) => throw new VhostUserDeviceException("fenced", status: 5) };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Equal(5UL, h.Frontend.IotlbInvalidate(0x1000, 0x1000));
    }

    [Fact]
    public void OnIotlbMessage_BackendThrowsAfterCompleting_OnlyTheFirstReplySent()
    {
        var backend = new FakeBackend
        {
            OnIotlb = (_, reply) =>
            {
                reply.Succeed();
                throw new InvalidOperationException("bug after reply");
            },
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(0x1000, 0x1000));
        Assert.Equal(1UL, h.Frontend.GetQueueNum());
        Assert.True(h.Logger.Has(15));
    }

    [Theory]
    [InlineData(IotlbMessageType.Miss)]
    [InlineData(IotlbMessageType.AccessFail)]
    [InlineData(IotlbMessageType.BatchBegin)]
    [InlineData((IotlbMessageType)0)]
    [InlineData((IotlbMessageType)200)]
    public void IotlbMessage_TypeAFrontEndNeverSends_FailureReplyWithoutCallingBackend(IotlbMessageType type)
    {
        using var h = new SessionHarness();
        h.Initialize();

        h.Frontend.SendIotlb(new IotlbMessage(0x1000, 0x1000, 0, IotlbPermission.ReadWrite, type));

        Assert.NotEqual(0UL, h.Frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
        Assert.Empty(h.Backend.IotlbMessages);
    }

    [Fact]
    public void IotlbMessage_DeviceWithoutAccessPlatform_Refused()
    {
        var backend = new FakeBackend { DeviceFeatures = FakeBackend.BlkFeatures & ~VirtioFeatures.AccessPlatform };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.NotEqual(0UL, h.Frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_0000, IotlbPermission.ReadWrite));
        Assert.Empty(h.Backend.IotlbMessages);
    }

    [Fact]
    public void IotlbMessage_BeforeFeaturesAcked_ProcessedAndWarnedOnce()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_0000, IotlbPermission.ReadWrite));
        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(0x1000, 0x1000));

        Assert.Single(h.Logger.Entries, e => e.Id.Id == 14);
        Assert.Equal(2, h.Backend.IotlbMessages.Count);
    }

    [Fact]
    public void IotlbMessage_ReplyAckNotNegotiated_StillReplied()
    {
        using var h = new SessionHarness();
        h.Frontend.SetProtocolFeatures(VhostUserProtocolFeatures.Config);

        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(0x1000, 0x1000));
    }
}
