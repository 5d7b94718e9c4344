using HilBridge.Live.Guest;

namespace HilBridge.Live.Tests.Guest;

public sealed class GuestKernelSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hilbridge-kernel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("stable")]
    [InlineData(" unstable ")]
    public void TryParse_Name_KindAndValueAreTheName(string text)
    {
        Assert.True(GuestKernelSpec.TryParse(text, out var spec, out _));

        Assert.Equal(text.Trim(), spec.Kind);
        Assert.Equal(text.Trim(), spec.Value);
    }

    [Fact]
    public void TryParse_BuildAlone_NoPatchesNewestVersion()
    {
        Assert.True(GuestKernelSpec.TryParse("build", out var spec, out _));

        Assert.Equal(("build", "build", null, null), (spec.Kind, spec.Value, spec.PatchDirectory, spec.SourceVersion));
    }

    [Fact]
    public void TryParse_BuildWithVersionAndRelativeDirectory_DirectoryMadeAbsolute()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "series"));

        Assert.True(GuestKernelSpec.TryParse("build@7.1.8:series", out var spec, out _, _dir));

        Assert.Equal("build@7.1.8:" + Path.Combine(_dir, "series"), spec.Value);
        Assert.Equal(("7.1.8", Path.Combine(_dir, "series")), (spec.SourceVersion, spec.PatchDirectory));
    }

    [Theory]
    [InlineData("build:missing", "patch directory")]
    [InlineData("build@seven:x", "must look like 7.1.8")]
    [InlineData("build@", "must look like 7.1.8")]
    [InlineData("no-such-image", "not stable, unstable or build[...], and no such file")]
    [InlineData("", "is empty")]
    public void TryParse_Bad_FailsSayingWhy(string text, string expected)
    {
        Assert.False(GuestKernelSpec.TryParse(text, out _, out var error, _dir));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ExistingFile_FileKindWithAbsolutePath()
    {
        File.WriteAllText(Path.Combine(_dir, "Image"), "");

        Assert.True(GuestKernelSpec.TryParse("Image", out var spec, out _, _dir));

        Assert.Equal(("file", Path.Combine(_dir, "Image")), (spec.Kind, spec.Value));
    }

    [Theory]
    [InlineData(null, "build:")]
    [InlineData("build", "build:")]
    [InlineData("build:other", "build:")]
    [InlineData("build@7.1.8", "build@7.1.8:")]
    public void WithPatches_BuildOrNothing_BuildsWithThePatchDirectory(string? guestKernel, string prefix)
    {
        var series = Directory.CreateDirectory(Path.Combine(_dir, "mine")).FullName;
        Directory.CreateDirectory(Path.Combine(Directory.GetCurrentDirectory(), "other"));

        Assert.Equal(prefix + series, GuestKernelSpec.WithPatches(guestKernel, series, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("stable", "--guest-kernel is 'stable'")]
    [InlineData("unstable", "--guest-kernel is 'unstable'")]
    public void WithPatches_NotABuild_ErrorNamingTheConflict(string guestKernel, string expected)
    {
        var series = Directory.CreateDirectory(Path.Combine(_dir, "mine")).FullName;

        Assert.Null(GuestKernelSpec.WithPatches(guestKernel, series, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPatches_MissingDirectory_ErrorNamingIt()
    {
        Assert.Null(GuestKernelSpec.WithPatches(null, Path.Combine(_dir, "nope"), out var error));
        Assert.Contains("patch directory", error, StringComparison.Ordinal);
    }
}
