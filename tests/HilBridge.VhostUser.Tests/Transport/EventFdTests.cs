using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

public class EventFdTests
{
    [Fact]
    public void TryConsume_AfterTwoSignals_ReturnsSumAndResets()
    {
        using var eventFd = EventFd.Create();

        eventFd.Signal();
        eventFd.Signal(2);

        Assert.True(eventFd.TryConsume(out var value));
        Assert.Equal(3UL, value);
        Assert.False(eventFd.TryConsume(out _));
    }

    [Fact]
    public void TryConsume_NothingSignalled_ReturnsFalseWithoutBlocking()
    {
        using var eventFd = EventFd.Create();

        Assert.False(eventFd.TryConsume(out _));
    }

    [Fact]
    public void SignalAndTryConsume_AfterDispose_ReturnFalse()
    {
        var eventFd = EventFd.Create();

        eventFd.Dispose();

        Assert.False(eventFd.Signal());
        Assert.False(eventFd.TryConsume(out _));
    }

    [Fact]
    public async Task WaitAndConsume_SignalledFromAnotherThread_Wakes()
    {
        using var eventFd = EventFd.Create();
        var signaller = Task.Run(() =>
        {
            Thread.Sleep(30);
            eventFd.Signal(5);
        });

        Assert.True(eventFd.WaitAndConsume(5000, out var value));
        Assert.Equal(5UL, value);
        await signaller;
    }

    [Fact]
    public void WaitAndConsume_Timeout_ReturnsFalse()
    {
        using var eventFd = EventFd.Create();

        Assert.False(eventFd.WaitAndConsume(20, out _));
    }

    [Fact]
    public void Constructor_BlockingEventFd_MadeNonBlocking()
    {
        var raw = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        using var eventFd = new EventFd(new OwnedFd(raw));

        Assert.False(eventFd.TryConsume(out _));
    }
}
