using System.Runtime.InteropServices;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.Transport;

public class FdPollTests
{
    [Fact]
    public void WaitReadable_SecondSignalled_ReportsOnlySecond()
    {
        using var kick = EventFd.Create();
        using var wake = EventFd.Create();
        var ready = new bool[2];
        wake.Signal();

        var count = FdPoll.WaitReadable([kick, wake], ready, 1000);

        Assert.Equal(1, count);
        Assert.Equal([false, true], ready);
    }

    [Fact]
    public void WaitReadable_NothingSignalled_TimesOutWithZero()
    {
        using var kick = EventFd.Create();
        var ready = new bool[1];

        Assert.Equal(0, FdPoll.WaitReadable([kick], ready, 20));
        Assert.False(ready[0]);
    }

    [Fact]
    public async Task WaitReadable_SignalledLater_WakesBlockedWaiter()
    {
        using var kick = EventFd.Create();
        using var wake = EventFd.Create();
        var ready = new bool[2];
        var signaller = Task.Run(() =>
        {
            Thread.Sleep(30);
            kick.Signal();
        });

        Assert.Equal(1, FdPoll.WaitReadable([kick, wake], ready, FdPoll.Infinite));
        Assert.True(ready[0]);
        await signaller;
    }

    [Fact]
    public void WaitReadable_NullOrClosedHandle_ReportedReadyAtOnce()
    {
        var closed = EventFd.Create();
        closed.Dispose();
        using var open = EventFd.Create();
        var ready = new bool[3];

        var count = FdPoll.WaitReadable(new SafeHandle?[] { null, closed.Handle, open.Handle }, ready, FdPoll.Infinite);

        Assert.Equal(2, count);
        Assert.Equal([true, true, false], ready);
    }

    [Fact]
    public void WaitReadable_MoreThanStackLimit_Works()
    {
        var fds = Enumerable.Range(0, 100).Select(_ => EventFd.Create()).ToArray();
        var ready = new bool[100];
        fds[77].Signal();

        Assert.Equal(1, FdPoll.WaitReadable(fds, ready, 1000));
        Assert.True(ready[77]);
        foreach (var fd in fds)
        {
            fd.Dispose();
        }
    }
}
