using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>A session on one end of a real socketpair and a QEMU-like front-end on the other.</summary>
internal sealed class SessionHarness : IDisposable
{
    public SessionHarness(FakeBackend? backend = null)
    {
        Backend = backend ?? new FakeBackend();
        var (backendEnd, frontendEnd) = UnixSocket.CreatePair();
        Session = new VhostUserSession(new VhostUserEndpoint(backendEnd), Backend, Logger);
        Session.Start();
        Frontend = new VhostUserFrontend(new VhostUserEndpoint(frontendEnd)) { ReplyTimeout = TimeSpan.FromSeconds(10) };
    }

    public FakeBackend Backend { get; }

    public ListLogger Logger { get; } = new();

    public VhostUserSession Session { get; }

    public VhostUserFrontend Frontend { get; }

    /// <summary>vhost_dev_init as QEMU 7.2 runs it for vhost-user-blk (num-queues=1, iommu_platform=on).</summary>
    public void Initialize()
    {
        var features = Frontend.GetFeatures();
        Assert.Equal(Backend.DeviceFeatures, features);
        var protocol = Frontend.GetProtocolFeatures();
        Frontend.SetProtocolFeatures(protocol & FakeBackend.BlkProtocolFeatures);
        Assert.Equal(1UL, Frontend.GetQueueNum());
        Assert.Equal(0UL, Frontend.SetBackendReqFd(needReply: true));
        Frontend.SetOwner();
        Frontend.GetFeatures();
    }

    public void WaitForEnd() => Assert.True(Session.Completion.Wait(TimeSpan.FromSeconds(10)), "session did not end");

    public void Dispose()
    {
        Frontend.Dispose();
        Session.Completion.Wait(TimeSpan.FromSeconds(10));
    }
}
