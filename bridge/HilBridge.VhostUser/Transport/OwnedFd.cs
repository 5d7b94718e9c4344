using System.Runtime.InteropServices;

namespace HilBridge.VhostUser.Transport;

/// <summary>
/// An owned file descriptor. SafeHandle's reference count means a close racing with a system call
/// on another thread waits for that call, so the number is never reused under it.
/// </summary>
public sealed class OwnedFd : SafeHandle
{
    public OwnedFd(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The raw number; only valid while this handle is alive and referenced.</summary>
    public int DangerousFd => (int)DangerousGetHandle();

    public override string ToString() => IsClosed ? "fd(closed)" : $"fd({(int)handle})";

    /// <summary>Linux frees the descriptor even when close reports EINTR, so close is never retried.</summary>
    protected override bool ReleaseHandle()
    {
        LibC.close((int)handle);
        return true;
    }
}

/// <summary>Holds a reference on a SafeHandle for the length of one system call.</summary>
internal ref struct FdLease
{
    private readonly SafeHandle? _handle;
    private bool _added;

    public FdLease(SafeHandle handle)
    {
        _handle = handle;
        _added = false;
        handle.DangerousAddRef(ref _added);
        Fd = (int)handle.DangerousGetHandle();
    }

    public int Fd { get; }

    public void Dispose()
    {
        if (_added)
        {
            _handle!.DangerousRelease();
            _added = false;
        }
    }
}
