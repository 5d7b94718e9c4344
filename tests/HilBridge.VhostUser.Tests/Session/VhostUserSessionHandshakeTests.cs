using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

/// <summary>The sequence QEMU 7.2 runs against vhost-user-blk with iommu_platform=on, end to end over a socketpair.</summary>
public class VhostUserSessionHandshakeTests
{
    [Fact]
    public void Handshake_QemuSequence_DeviceConfiguredAndRunning()
    {
        using var h = new SessionHarness();
        var frontend = h.Frontend;

        // vhost_dev_init
        h.Initialize();
        using var callMasked = EventFd.Create();
        frontend.SetVringCall(0, callMasked.Handle);
        frontend.SetVringErr(0, callMasked.Handle);
        var config = new byte[60];
        Assert.True(frontend.TryGetConfig(0, config));
        Assert.Equal(h.Backend.Config, config);

        // vhost_dev_start
        frontend.SetFeatures(FakeBackend.BlkFeatures);
        using var memfd = SharedMemory.CreateMemfd("guest-ram", 0x100000);
        Assert.Equal(0UL, frontend.SetMemTable([new MemoryRegionDescription(0x4000_0000, 0x100000, 0x7f00_0000_0000, 0)], [memfd], needReply: true));
        frontend.SetVringNum(0, 256);
        frontend.SetVringBase(0, 0);
        frontend.SetVringAddr(new VringAddress(0, VringAddressFlags.None, 0xfffff000, 0xffffe000, 0xffffd000, 0));
        using var kick = EventFd.Create();
        using var call = EventFd.Create();
        frontend.SetVringKick(0, kick.Handle);
        frontend.SetVringCall(0, call.Handle);
        frontend.SetVringEnable(0, true);
        Assert.Equal(0UL, frontend.IotlbUpdate(0xffffe000, 0x1000, 0x7f00_0000_0000, IotlbPermission.ReadWrite));

        // vhost_dev_stop
        frontend.SetVringEnable(0, false);
        Assert.Equal(42u, frontend.GetVringBase(0));

        Assert.Equal(FakeBackend.BlkFeatures, h.Session.AckedFeatures);
        Assert.Equal(FakeBackend.BlkProtocolFeatures, h.Session.AckedProtocolFeatures);
        Assert.Equal(
            [
                $"SetProtocolFeatures {FakeBackend.BlkProtocolFeatures}", "SetBackendChannel", "SetOwner",
                "SetVringCall 0 fd", "SetVringErr 0 fd", "GetConfig 0 60",
                $"SetFeatures 0x{FakeBackend.BlkFeatures:x}", "SetMemoryTable 1",
                "SetVringNum 0 256", "SetVringBase 0 0", "SetVringAddr 0 desc=0xfffff000",
                "SetVringKick 0 fd", "SetVringCall 0 fd", "SetVringEnable 0 True",
                "Iotlb Update 0xffffe000", "SetVringEnable 0 False", "GetVringBase 0",
            ],
            h.Backend.Calls);
        Assert.NotNull(h.Backend.Channel);
        Assert.Single(h.Backend.Mappings);
        Assert.Null(h.Session.Fault);
    }

    [Fact]
    public async Task Disconnect_FrontendCloses_SessionEndsAndBackendToldOnce()
    {
        var h = new SessionHarness();
        h.Initialize();

        h.Frontend.Dispose();

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.PeerClosed, await h.Session.Completion);
        Assert.Equal("front-end closed the connection", await h.Backend.Disconnected.Task);
        Assert.Single(h.Backend.Calls, c => c.StartsWith("OnDisconnected", StringComparison.Ordinal));
        Assert.False(h.Backend.Channel!.IsOpen);
    }

    [Fact]
    public async Task Close_FromAnotherThread_SessionEndsAsClosed()
    {
        using var h = new SessionHarness();
        h.Initialize();

        h.Session.Close();

        h.WaitForEnd();
        Assert.Equal(VhostUserSessionEnd.Closed, await h.Session.Completion);
    }

    [Fact]
    public void ResetOwner_AfterStart_BackendResetAndFeaturesCleared()
    {
        using var h = new SessionHarness();
        h.Initialize();
        h.Frontend.SetFeatures(FakeBackend.BlkFeatures);

        Assert.Equal(0UL, h.Frontend.ResetOwner(needReply: true));

        Assert.True(h.Backend.Saw("ResetDevice"));
        Assert.Equal(0UL, h.Session.AckedFeatures);
    }

    [Fact]
    public void Run_SecondTime_Throws()
    {
        using var h = new SessionHarness();

        Assert.Throws<InvalidOperationException>(() => h.Session.Run());
    }
}
