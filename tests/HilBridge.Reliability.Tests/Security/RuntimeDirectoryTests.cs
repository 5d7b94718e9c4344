using HilBridge.Fuzz.Driver;
using HilBridge.Live.Device;
using HilBridge.Live.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Reliability.Tests.Security;

/// <summary>The bridge's socket is reachable by its owner only: 0600, in a 0700 directory nobody else made.</summary>
public sealed class RuntimeDirectoryTests
{
    [Fact]
    public void CreatePrivateRuntimeDirectory_Created_OwnerOnlyAndNew()
    {
        var first = RepositoryLayout.CreatePrivateRuntimeDirectory(Path.GetTempPath());
        var second = RepositoryLayout.CreatePrivateRuntimeDirectory(Path.GetTempPath());
        try
        {
            Assert.NotEqual(first, second);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(first));
            Assert.Null(new DirectoryInfo(first).LinkTarget);
            Assert.Empty(Directory.EnumerateFileSystemEntries(first));
        }
        finally
        {
            Directory.Delete(first);
            Directory.Delete(second);
        }
    }

    [Fact]
    public void Bridge_SocketInRuntimeDirectory_Mode0600AndServes()
    {
        var dir = RepositoryLayout.CreatePrivateRuntimeDirectory(Path.GetTempPath());
        var socket = Path.Combine(dir, "vhost.sock");
        try
        {
            using (var bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = Path.Combine(dir, "disk.img"), DiskSizeBytes = 1 << 20 }, NullLoggerFactory.Instance, TimeProvider.System))
            {
                bridge.Start(socket);

                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
                using var driver = BlkDriver.Connect(socket);
                Assert.True(driver.WriteSectors(0, new byte[512]));
            }
            Assert.False(File.Exists(socket), "the socket file outlived the bridge");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
