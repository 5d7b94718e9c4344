using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Session;

/// <summary>Invalidations arrive for every guest unmap: the session's IOTLB path must not allocate.</summary>
[Collection(TestSupport.FdCountingCollection.Name)] // runs alone, so process-wide allocation counts are meaningful
public class IotlbHotPathAllocationTests
{
    [Fact]
    public void IotlbMessages_SteadyState_SessionAndFrontendAllocateNothing()
    {
        var (backendEnd, frontendEnd) = UnixSocket.CreatePair();
        var backend = new LeanBackend();
        using var session = new VhostUserSession(new VhostUserEndpoint(backendEnd), backend);
        session.Start();
        using var frontend = new VhostUserFrontend(new VhostUserEndpoint(frontendEnd));
        frontend.SetProtocolFeatures(VhostUserProtocolFeatures.ReplyAck);
        for (var i = 0; i < 500; i++)
        {
            frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_1000, IotlbPermission.ReadWrite);
            frontend.IotlbInvalidate(0x1000, 0x1000);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < 2000; i++)
        {
            frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_1000, IotlbPermission.ReadWrite);
            frontend.IotlbInvalidate(0x1000, 0x1000);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // 4000 messages: anything per message would be tens of kilobytes; leave slack for runtime noise.
        Assert.True(allocated < 4096, $"{allocated} bytes allocated for 4000 IOTLB messages");
        Assert.Equal(4000 + 1000, backend.Count);
    }

    private sealed class LeanBackend : IVhostUserBackend
    {
        public int Count;

        public ulong DeviceFeatures => VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures;

        public VhostUserProtocolFeatures ProtocolFeatures => VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq;

        public int MaxQueues => 1;

        public void OnIotlbMessage(in IotlbMessage message, DeferredReply reply)
        {
            Count++;
            reply.Succeed();
        }

        public void SetOwner()
        {
        }

        public void ResetDevice()
        {
        }

        public void SetFeatures(ulong features)
        {
        }

        public void SetProtocolFeatures(VhostUserProtocolFeatures features)
        {
        }

        public void SetMemoryTable(IReadOnlyList<MemoryRegionDescription> regions, IReadOnlyList<OwnedFd> fds)
        {
        }

        public void SetVringNum(uint index, uint num)
        {
        }

        public void SetVringBase(uint index, uint num)
        {
        }

        public uint GetVringBase(uint index) => 0;

        public void SetVringAddr(in VringAddress address)
        {
        }

        public void SetVringKick(uint index, OwnedFd? fd) => fd?.Dispose();

        public void SetVringCall(uint index, OwnedFd? fd) => fd?.Dispose();

        public void SetVringEnable(uint index, bool enable)
        {
        }

        public int GetConfig(uint offset, Span<byte> destination) => 0;

        public void SetConfig(uint offset, ReadOnlySpan<byte> data, ConfigFlags flags)
        {
        }

        public void SetBackendChannel(BackendChannel channel)
        {
        }

        public void OnDisconnected(string? reason)
        {
        }
    }
}
