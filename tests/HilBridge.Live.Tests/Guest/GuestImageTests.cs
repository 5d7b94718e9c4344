using HilBridge.Live.Guest;
using HilBridge.Scenarios;

namespace HilBridge.Live.Tests.Guest;

public sealed class GuestImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hilbridge-guest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private GuestImage Load(params string[] lines)
    {
        File.WriteAllText(Path.Combine(_dir, "vmlinuz"), "k");
        File.WriteAllText(Path.Combine(_dir, "initrd.gz"), "i");
        File.WriteAllLines(Path.Combine(_dir, "versions.env"), lines);
        return GuestImage.Load(_dir);
    }

    [Fact]
    public void Load_SetupShGuest_StableFromItsPackage()
    {
        var image = Load("KERNEL_PACKAGE=linux-image-6.1.0-57-arm64", "KERNEL_PACKAGE_VERSION=6.1.192-3", "KERNEL_VERSION=6.1.0-57-arm64");

        Assert.Equal(new GuestKernelInfo("6.1.0-57-arm64", "stable", "linux-image-6.1.0-57-arm64 6.1.192-3"), image.KernelInfo);
        Assert.Equal("stable", image.Versions["KERNEL_SOURCE"]); // so the trace header names it too
    }

    [Fact]
    public void Load_UnstableGuest_ItsSourceAndPackage()
    {
        var image = Load("KERNEL_SOURCE=unstable", "KERNEL_PACKAGE=linux-image-7.2.13+deb14-arm64", "KERNEL_PACKAGE_VERSION=7.2.13-1", "KERNEL_VERSION=7.2.13+deb14-arm64");

        Assert.Equal("7.2.13+deb14-arm64 (unstable: linux-image-7.2.13+deb14-arm64 7.2.13-1)", image.KernelInfo.ToString());
    }

    [Fact]
    public void Load_BuiltGuest_SourceVersionPatchesAndKey()
    {
        var image = Load("KERNEL_SOURCE=build", "SOURCE_VERSION=7.2.8", "PATCHES='0001-a.patch 0002-b.patch'", "PATCH_DIR=/p", "BUILD_KEY=abc123", "KERNEL_VERSION=7.2.8");

        Assert.Equal(new GuestKernelInfo("7.2.8", "build", "linux 7.2.8 + 2 patches from /p, build abc123"), image.KernelInfo);
    }
}
