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
    private static int _instances;

    private readonly List<IDisposable> _perCase = [];

    // Unique per instance, so the leak count tells this instance's memfds from another's in the process.
    private readonly string _memfdPrefix = $"fuzz{Interlocked.Increment(ref _instances)}-";

    public FuzzFds()
    {
        Guest = SharedMemory.CreateMemfd(_memfdPrefix + "guest", FuzzGuest.MemfdSize);
        GuestMemory = MemoryMapping.Map(Guest, FuzzGuest.MemfdSize);
        Small = SharedMemory.CreateMemfd(_memfdPrefix + "small", 4096);
        Inflight = SharedMemory.CreateMemfd(_memfdPrefix + "inflight", 1 << 20);
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

    /// <summary>
    /// Fds in this process open on this instance's memfds and pipe, and mappings of its memfds: ours plus
    /// the bridge's copies. Counting only these, not the whole process, keeps the leak check blind to other
    /// tests running in the same process (threads, QEMU pipes, GC heaps). /dev/zero is left out: any
    /// instance may have it open.
    /// </summary>
    public (int Fds, int Maps) CountHeldByProcess()
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in new[] { Guest.DangerousFd, Small.DangerousFd, Inflight.DangerousFd, PipeRead.DangerousFd })
        {
            if (new FileInfo($"/proc/self/fd/{fd}").LinkTarget is { } target)
            {
                targets.Add(target);
            }
        }

        int fds = 0;
        foreach (var link in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(link).LinkTarget is { } target && targets.Contains(target))
                {
                    fds++;
                }
            }
            catch (IOException)
            {
                // closed while we looked: not held
            }
        }

        int maps = File.ReadLines("/proc/self/maps").Count(line => line.Contains("/memfd:" + _memfdPrefix, StringComparison.Ordinal));
        return (fds, maps);
    }

    /// <summary>Closes what this case made (after the bridge has its own copies).</summary>
    public void EndCase()
    {
        foreach (var d in _perCase)
        {
            d.Dispose();
        }

        _perCase.Clear();
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

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
