using HilBridge.VhostUser.Transport;
using Microsoft.Win32.SafeHandles;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// The fds a case may send, made once and sent again and again (SCM_RIGHTS duplicates them for the
/// receiver): the guest memfd, a memfd far too small for any region, an eventfd, a pipe, /dev/zero,
/// a memfd for the inflight area; and a fresh socketpair per "socket" (the bridge's back-end channel).
/// </summary>
internal sealed class FuzzFds : IDisposable
{
    private readonly List<IDisposable> _perCase = [];

    public FuzzFds()
    {
        Guest = SharedMemory.CreateMemfd("fuzz-guest", FuzzGuest.MemfdSize);
        GuestMemory = MemoryMapping.Map(Guest, FuzzGuest.MemfdSize);
        Small = SharedMemory.CreateMemfd("fuzz-small", 4096);
        Inflight = SharedMemory.CreateMemfd("fuzz-inflight", 1 << 20);
        EventFd = VhostUser.Transport.EventFd.Create();
        var (read, write) = RawWire.Pipe();
        PipeRead = new OwnedFd(read);
        PipeWrite = new OwnedFd(write);
        Zero = File.OpenHandle("/dev/zero", FileMode.Open, FileAccess.ReadWrite);
    }

    public OwnedFd Guest { get; }

    public MemoryMapping GuestMemory { get; }

    public OwnedFd Small { get; }

    public OwnedFd Inflight { get; }

    public EventFd EventFd { get; }

    public OwnedFd PipeRead { get; }

    public OwnedFd PipeWrite { get; }

    public SafeFileHandle Zero { get; }

    /// <summary>Our ends of the back-end channels handed out in this case (drained and closed after it).</summary>
    public List<VhostUserEndpoint> Channels { get; } = [];

    /// <summary>The raw fd number to send for <paramref name="kind"/>; a socket kind makes a new pair.</summary>
    public int Resolve(string kind)
    {
        switch (kind)
        {
            case "guest": return Guest.DangerousFd;
            case "small": return Small.DangerousFd;
            case "eventfd": return EventFd.Handle.DangerousFd;
            case "pipe": return PipeRead.DangerousFd;
            case "zero": return (int)Zero.DangerousGetHandle();
            case "inflight": return Inflight.DangerousFd;
            default:
                var (ours, theirs) = UnixSocket.CreatePair();
                Channels.Add(new VhostUserEndpoint(ours, maxPayloadSize: 4096));
                _perCase.Add(theirs);
                return theirs.DangerousFd;
        }
    }

    /// <summary>Closes what this case made (after the bridge has its own copies).</summary>
    public void EndCase()
    {
        foreach (var d in _perCase)
            d.Dispose();
        _perCase.Clear();
        foreach (var channel in Channels)
            channel.Dispose();
        Channels.Clear();
    }

    public void Dispose()
    {
        EndCase();
        GuestMemory.Dispose();
        Guest.Dispose();
        Small.Dispose();
        Inflight.Dispose();
        EventFd.Dispose();
        PipeRead.Dispose();
        PipeWrite.Dispose();
        Zero.Dispose();
    }
}
