using HilBridge.Live.Qemu;

namespace HilBridge.Reliability.Tests.Qemu;

public sealed class QemuExitTests
{
    [Theory]
    [InlineData(137, "QEMU was killed by signal 9 (SIGKILL; exit status 137)")]
    [InlineData(143, "QEMU was killed by signal 15 (SIGTERM; exit status 143)")]
    [InlineData(139, "QEMU was killed by signal 11 (SIGSEGV; exit status 139)")]
    [InlineData(162, "QEMU was killed by signal 34 (exit status 162)")]
    [InlineData(1, "QEMU exited with code 1")]
    [InlineData(0, "QEMU exited with code 0")]
    [InlineData(255, "QEMU exited with code 255")]
    public void Describe_ExitStatus_NamesTheSignalWhenThereIsOne(int exitCode, string expected) =>
        Assert.Equal(expected, QemuExit.Describe(exitCode));
}
