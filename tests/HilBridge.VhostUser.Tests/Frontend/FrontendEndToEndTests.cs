using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Frontend;

/// <summary>The QEMU stand-in against the real session: shared guest memory and the IOTLB hot path.</summary>
public class FrontendEndToEndTests
{
    [Fact]
    public void SetMemTable_Memfd_ContentVisibleOnBothSides()
    {
        const ulong Size = 0x20_0000;
        const ulong MmapOffset = 0x1000;
        using var h = new SessionHarness();
        h.Initialize();
        using var memfd = SharedMemory.CreateMemfd("guest-ram", Size + MmapOffset);
        using var frontendView = MemoryMapping.Map(memfd, Size + MmapOffset);
        var region = new MemoryRegionDescription(0x4000_0000, Size, (ulong)frontendView.BasePointer + MmapOffset, MmapOffset);
        "written by the front-end"u8.CopyTo(frontendView.GetSpan(MmapOffset + 0x100, 24));

        Assert.Equal(0UL, h.Frontend.SetMemTable([region], [memfd], needReply: true));

        var backendView = Assert.Single(h.Backend.Mappings);
        Assert.Equal(Size, backendView.RegionSize);
        Assert.Equal("written by the front-end"u8.ToArray(), backendView.GetSpan(0x100, 24).ToArray());
        "written by the back-end"u8.CopyTo(backendView.GetSpan(Size - 23, 23));
        Assert.Equal("written by the back-end"u8.ToArray(), frontendView.GetSpan(MmapOffset + Size - 23, 23).ToArray());
        Assert.Equal(region, Assert.Single(h.Backend.Regions));
    }

    [Fact]
    public void IotlbUpdateThenInvalidate_RoundTrip_BackendSeesTranslation()
    {
        using var h = new SessionHarness();
        h.Initialize();

        Assert.Equal(0UL, h.Frontend.IotlbUpdate(0xfffff000, 0x1000, 0x7f12_3456_7000, IotlbPermission.ReadWrite));
        Assert.Equal(0UL, h.Frontend.IotlbInvalidate(0xfffff000, 0x1000));

        Assert.Equal(
            [IotlbMessage.Update(0xfffff000, 0x1000, 0x7f12_3456_7000, IotlbPermission.ReadWrite), IotlbMessage.Invalidate(0xfffff000, 0x1000)],
            h.Backend.IotlbMessages);
    }

    [Fact]
    public void IotlbUpdateAndInvalidate_SteadyState_FrontendAllocatesNothing()
    {
        var backend = new FakeBackend();
        backend.OnIotlb = static (_, reply) => reply.Succeed();
        using var h = new SessionHarness(backend);
        h.Initialize();
        for (var i = 0; i < 200; i++)
        {
            h.Frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_1000, IotlbPermission.ReadWrite);
            h.Frontend.IotlbInvalidate(0x1000, 0x1000);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            h.Frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_1000, IotlbPermission.ReadWrite);
            h.Frontend.IotlbInvalidate(0x1000, 0x1000);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void GetConfig_WholeBlkConfig_MatchesBackend()
    {
        using var h = new SessionHarness();
        h.Initialize();
        var config = new byte[60];

        Assert.True(h.Frontend.TryGetConfig(0, config));

        Assert.Equal(h.Backend.Config, config);
    }

    [Fact]
    public void VringKick_FrontendSignals_BackendEventFdSeesIt()
    {
        using var h = new SessionHarness();
        h.Initialize();
        using var kick = EventFd.Create();

        h.Frontend.SetVringKick(0, kick.Handle, needReply: true);
        using var backendKick = new EventFd(h.Backend.VringFds[("Kick", 0)]!);
        h.Backend.VringFds[("Kick", 0)] = null;
        kick.Signal();

        Assert.True(backendKick.WaitAndConsume(5000, out var value));
        Assert.Equal(1UL, value);
    }
}
