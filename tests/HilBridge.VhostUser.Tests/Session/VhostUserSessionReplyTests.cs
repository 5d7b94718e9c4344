using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

/// <summary>REPLY_ACK, refusals and unknown requests: failure replies, and the session carries on.</summary>
public class VhostUserSessionReplyTests
{
    [Fact]
    public void NeedReply_ReplyAckNegotiated_EverySetterAcked()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.SetVringNum(0, 128, needReply: true));
        Assert.Equal(0UL, h.Frontend.SetFeatures(FakeBackend.BlkFeatures, needReply: true));
        Assert.Equal(0UL, h.Frontend.SetOwner(needReply: true));
        Assert.Equal(0UL, h.Frontend.SetVringKick(0, null, needReply: true));
    }

    [Fact]
    public void NeedReply_ReplyAckNotNegotiated_NoAckSent()
    {
        using var h = new SessionHarness();
        h.Frontend.GetProtocolFeatures();
        h.Frontend.SetProtocolFeatures(VhostUserProtocolFeatures.Mq | VhostUserProtocolFeatures.Config);

        Span<byte> payload = stackalloc byte[VringState.Length];
        new VringState(0, 64).Write(payload);
        h.Frontend.SendRaw((uint)VhostUserRequest.SetVringNum, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.NeedReply, payload);

        // The next reply on the wire must be GET_FEATURES', not a stray ack.
        Assert.Equal(FakeBackend.BlkFeatures, h.Frontend.GetFeatures());
        Assert.True(h.Backend.Saw("SetVringNum 0 64"));
    }

    [Fact]
    public void VringIndex_OutOfRange_FailureReplyAndSessionContinues()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.NotEqual(0UL, h.Frontend.SetVringNum(1, 128, needReply: true));
        Assert.NotEqual(0UL, h.Frontend.SetVringAddr(new VringAddress(7, 0, 0, 0, 0, 0), needReply: true));

        Assert.False(h.Backend.Saw("SetVringNum 1"));
        Assert.Equal(FakeBackend.BlkFeatures, h.Frontend.GetFeatures());
        Assert.True(h.Logger.Has(8));
    }

    [Fact]
    public void UnknownRequest_WithNeedReplyAndFds_FailureReplyFdsClosedSessionContinues()
    {
        using var h = new SessionHarness();
        h.Initialize();
        using var extra = EventFd.Create();

        h.Frontend.SendRaw(99, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.NeedReply, new byte[100], [extra.Handle]);

        Assert.Equal(1UL, h.Frontend.ReceiveAck((VhostUserRequest)99));
        Assert.Equal(FakeBackend.BlkFeatures, h.Frontend.GetFeatures());
        Assert.True(h.Logger.Has(11));
        Assert.Null(h.Session.Fault);
    }

    [Fact]
    public void UnknownRequest_WithoutNeedReply_LoggedAndPayloadSkipped()
    {
        using var h = new SessionHarness();
        h.Initialize();

        h.Frontend.SendRaw(1000, VhostUserHeaderFlags.Version1, new byte[4096]);

        Assert.Equal(1UL, h.Frontend.GetQueueNum());
        Assert.Contains(h.Logger.Entries, e => e.Id.Id == 11 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("1000"));
    }

    [Theory]
    [InlineData(VhostUserRequest.SendRarp)]
    [InlineData(VhostUserRequest.PostcopyAdvise)]
    [InlineData(VhostUserRequest.VringKick)]
    public void KnownButUnsupportedRequest_WithNeedReply_FailureReply(VhostUserRequest request)
    {
        using var h = new SessionHarness();
        h.Initialize();

        h.Frontend.SendRaw((uint)request, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.NeedReply, new byte[8]);

        Assert.Equal(1UL, h.Frontend.ReceiveAck(request));
        Assert.True(h.Logger.Has(10));
    }

    [Fact]
    public void OptionalRequest_BackendUsesDefault_NotSupportedFailureReply()
    {
        using var h = new SessionHarness();
        h.Initialize();
        Span<byte> payload = stackalloc byte[LogDescription.Length];

        h.Frontend.SendRaw((uint)VhostUserRequest.SetLogBase, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.NeedReply, payload);

        Assert.Equal(1UL, h.Frontend.ReceiveAck(VhostUserRequest.SetLogBase));
        Assert.Contains(h.Logger.Entries, e => e.Id.Id == 8 && e.Message.Contains("not supported"));
    }

    [Fact]
    public void DeviceException_WithStatus_StatusReturnedInReply()
    {
        var backend = new FakeBackend
        {
            FailOn = call => call.StartsWith("SetVringBase", StringComparison.Ordinal) ? new VhostUserDeviceException("busy", status: 16) : null,
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Equal(16UL, h.Frontend.SetVringBase(0, 5, needReply: true));
        Assert.Equal(0UL, h.Frontend.SetVringNum(0, 5, needReply: true));
    }

    [Fact]
    public void UnexpectedBackendException_FailureReplyLoggedAsBackendBug()
    {
        var backend = new FakeBackend
        {
            FailOn = call => call.StartsWith("SetVringNum", StringComparison.Ordinal) ? new NullReferenceException("bug") : null,
        };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Equal(1UL, h.Frontend.SetVringNum(0, 5, needReply: true));
        Assert.True(h.Logger.Has(9));
        Assert.Equal(1UL, h.Frontend.GetQueueNum());
    }

    [Fact]
    public void SetFeatures_UnofferedBit_Refused()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.NotEqual(0UL, h.Frontend.SetFeatures(FakeBackend.BlkFeatures | (1UL << 40), needReply: true));

        Assert.Null(h.Backend.AckedFeatures);
    }

    [Fact]
    public void SetProtocolFeatures_UnofferedBit_Refused()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.NotEqual(0UL, h.Frontend.SetProtocolFeatures(FakeBackend.BlkProtocolFeatures | VhostUserProtocolFeatures.Pagefault, needReply: true));

        Assert.Equal(FakeBackend.BlkProtocolFeatures, h.Session.AckedProtocolFeatures);
    }

    [Fact]
    public void GetConfig_ConfigNotNegotiated_EmptyReply()
    {
        using var h = new SessionHarness();
        h.Frontend.SetProtocolFeatures(VhostUserProtocolFeatures.ReplyAck);

        Assert.False(h.Frontend.TryGetConfig(0, new byte[60]));
        Assert.False(h.Backend.Saw("GetConfig"));
    }

    [Fact]
    public void GetConfig_BackendWritesFewerBytes_RestZeroFilled()
    {
        using var h = new SessionHarness();
        h.Initialize();
        var destination = Enumerable.Repeat((byte)0xff, 16).ToArray();

        Assert.True(h.Frontend.TryGetConfig(56, destination));

        Assert.Equal(h.Backend.Config[56..60], destination[..4]);
        Assert.All(destination[4..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void SetConfig_Negotiated_BackendSeesDataAndFlags()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.SetConfig(0x20, [1], ConfigFlags.Writable, needReply: true));

        Assert.True(h.Backend.Saw("SetConfig 32 1 Writable"));
        Assert.Equal(1, h.Backend.Config[0x20]);
    }

    [Fact]
    public void SetBackendReqFd_BackendReqNotNegotiated_RefusedAndFdClosed()
    {
        using var h = new SessionHarness();
        h.Frontend.SetProtocolFeatures(VhostUserProtocolFeatures.ReplyAck);

        Assert.NotEqual(0UL, h.Frontend.SetBackendReqFd(needReply: true));

        Assert.Null(h.Backend.Channel);
    }

    [Fact]
    public void GetVringBase_BackendRefuses_EmptyReply()
    {
        var backend = new FakeBackend { FailOn = call => call.StartsWith("GetVringBase", StringComparison.Ordinal) ? new VhostUserDeviceException("no") : null };
        using var h = new SessionHarness(backend);
        h.Initialize();

        Assert.Throws<VhostUserDeviceException>(() => h.Frontend.GetVringBase(0));
        Assert.Equal(1UL, h.Frontend.GetQueueNum());
    }

    [Fact]
    public void SetVringEnable_ValueNotZeroOrOne_Refused()
    {
        using var h = new SessionHarness();
        h.Initialize();
        Span<byte> payload = stackalloc byte[VringState.Length];
        new VringState(0, 2).Write(payload);

        h.Frontend.SendRaw((uint)VhostUserRequest.SetVringEnable, VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.NeedReply, payload);

        Assert.NotEqual(0UL, h.Frontend.ReceiveAck(VhostUserRequest.SetVringEnable));
    }
}
