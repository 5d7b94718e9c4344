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

        // Per thread (the front-end's here, the session's in the backend), not process-wide: threads that
        // earlier tests left winding down allocate too, and did in a loaded CI run.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            frontend.IotlbUpdate(0x1000, 0x1000, 0x7f00_0000_1000, IotlbPermission.ReadWrite);
            frontend.IotlbInvalidate(0x1000, 0x1000);
        }

        var frontendAllocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 4000 messages: anything per message would be tens of kilobytes; leave slack for runtime noise.
        Assert.Equal(4000 + 1000, backend.Count);
        Assert.True(backend.OneThread, "the session received the measured messages on more than one thread");
        Assert.True(frontendAllocated < 4096, $"the front-end allocated {frontendAllocated} bytes for 4000 IOTLB messages");
        Assert.True(backend.SessionAllocated < 4096, $"the session allocated {backend.SessionAllocated} bytes for 4000 IOTLB messages");
    }

    private sealed class LeanBackend : IVhostUserBackend
    {
        public int Count;

        public ulong DeviceFeatures => VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures;

        public VhostUserProtocolFeatures ProtocolFeatures => VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq;

        public int MaxQueues => 1;

        private long _atWarm;
        private int _warmThread;

        /// <summary>Bytes the session's thread allocated from the end of the warm-up to the last message.</summary>
        public long SessionAllocated { get; private set; }

        public bool OneThread { get; private set; }

        public void OnIotlbMessage(in IotlbMessage message, DeferredReply reply)
        {
            Count++;
            if (Count == 1000)
            {
                (_atWarm, _warmThread) = (GC.GetAllocatedBytesForCurrentThread(), Environment.CurrentManagedThreadId);
            }
            else if (Count == 5000)
            {
                (SessionAllocated, OneThread) = (GC.GetAllocatedBytesForCurrentThread() - _atWarm, Environment.CurrentManagedThreadId == _warmThread);
            }

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
