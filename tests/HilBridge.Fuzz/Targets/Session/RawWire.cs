using System.Runtime.InteropServices;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// Writes arbitrary bytes with any number of fds (SCM_RIGHTS) to a socket: what no well-behaved
/// sender produces, e.g. a header whose size lies, or fifteen fds on one message. Linux, 64-bit.
/// </summary>
public static unsafe partial class RawWire
{
    private const int SolSocket = 1, ScmRights = 1, MsgNoSignal = 0x4000, ShutWrite = 1, Eintr = 4;
    private const int CmsgHeader = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(int* fds, int flags);

    /// <summary>Sends all of <paramref name="bytes"/>, the fds riding on the first byte. False if the peer is gone or the send timed out.</summary>
    public static bool Send(SafeHandle socket, ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds)
    {
        var controlLength = fds.IsEmpty ? 0 : CmsgHeader + (fds.Length * sizeof(int) + 7) / 8 * 8;
        var control = stackalloc byte[Math.Max(controlLength, 8)];
        if (!fds.IsEmpty)
        {
            *(nuint*)control = (nuint)(CmsgHeader + fds.Length * sizeof(int));
            *(int*)(control + 8) = SolSocket;
            *(int*)(control + 12) = ScmRights;
            fds.CopyTo(new Span<int>(control + CmsgHeader, fds.Length));
        }

        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var fd = (int)socket.DangerousGetHandle();
            var sent = 0;
            fixed (byte* p = bytes)
            {
                while (sent < bytes.Length || (bytes.Length == 0 && sent == 0 && !fds.IsEmpty))
                {
                    var iov = new IoVec { Base = p + sent, Length = (nuint)(bytes.Length - sent) };
                    var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = sent == 0 && controlLength > 0 ? control : null, ControlLength = sent == 0 ? (nuint)controlLength : 0 };
                    var n = sendmsg(fd, &msg, MsgNoSignal);
                    if (n < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == Eintr)
                        {
                            continue;
                        }

                        return false;
                    }
                    sent += (int)n;
                    if (bytes.Length == 0)
                    {
                        break;
                    }
                }
            }
            return true;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Half-closes: the peer reads end-of-stream after what was sent, and can still answer.</summary>
    public static void ShutdownWrite(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            shutdown((int)socket.DangerousGetHandle(), ShutWrite);
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    public static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        if (pipe2(fds, 0x80000 /* O_CLOEXEC */) != 0)
        {
            throw new IOException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (fds[0], fds[1]);
    }
}
