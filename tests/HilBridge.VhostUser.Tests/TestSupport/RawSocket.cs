using System.Runtime.InteropServices;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>Writes arbitrary bytes and any number of fds, to build what a well-behaved sender never would.</summary>
internal static unsafe class RawSocket
{
    public static void Write(SafeHandle socket, ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds = default)
    {
        var controlLength = fds.IsEmpty ? 0 : LibC.CmsgSpace(fds.Length * sizeof(int));
        var control = stackalloc nuint[(controlLength / sizeof(nuint)) + 1];
        if (!fds.IsEmpty)
        {
            var cmsg = (LibC.CmsgHdr*)control;
            cmsg->Length = (nuint)LibC.CmsgLen(fds.Length * sizeof(int));
            cmsg->Level = LibC.SOL_SOCKET;
            cmsg->Type = LibC.SCM_RIGHTS;
            fds.CopyTo(new Span<int>((byte*)control + LibC.CmsgDataOffset, fds.Length));
        }

        fixed (byte* p = bytes)
        {
            var iov = new LibC.IoVec { Base = p, Length = (nuint)bytes.Length };
            var msg = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = fds.IsEmpty ? null : control, ControlLength = (nuint)controlLength };
            var added = false;
            socket.DangerousAddRef(ref added);
            try
            {
                var n = LibC.sendmsg((int)socket.DangerousGetHandle(), &msg, LibC.MSG_NOSIGNAL);
                Assert.Equal(bytes.Length, (int)n);
            }
            finally
            {
                socket.DangerousRelease();
            }
        }
    }

    public static int Fd(SafeHandle handle) => (int)handle.DangerousGetHandle();
}
