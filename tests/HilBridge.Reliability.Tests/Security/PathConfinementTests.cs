using HilBridge.Live.Hosting;

namespace HilBridge.Reliability.Tests.Security;

public sealed class PathConfinementTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hb-confine-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("hb-outside-").FullName;

    [Theory]
    [InlineData("trace.hbt", "trace.hbt")]
    [InlineData("seg/part-1.hbt", "seg/part-1.hbt")]
    [InlineData("./a/../b.json", "b.json")]
    [InlineData("deep/er/new.txt", "deep/er/new.txt")]
    public void TryResolve_PathInsideRoot_ResolvedUnderRoot(string requested, string expected)
    {
        Assert.True(PathConfinement.TryResolve(_root, requested, out var full, out var error), error);
        Assert.Equal(Path.Combine(_root, expected), full);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("nul\0byte")]
    public void TryResolve_PathLeavingRoot_Refused(string requested)
    {
        Assert.False(PathConfinement.TryResolve(_root, requested, out var full, out var error));
        Assert.Null(full);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void TryResolve_NullPath_Refused()
    {
        Assert.False(PathConfinement.TryResolve(_root, null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_DirectorySymlinkLeadingOut_Refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), _outside);

        Assert.False(PathConfinement.TryResolve(_root, "link/stolen.txt", out _, out var error));
        Assert.Contains("symbolic link", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_DanglingFileSymlinkLeadingOut_Refused()
    {
        // A write to it would create the file outside: the link counts even though its target does not exist yet.
        File.CreateSymbolicLink(Path.Combine(_root, "out.json"), Path.Combine(_outside, "created-by-a-write.json"));

        Assert.False(PathConfinement.TryResolve(_root, "out.json", out _, out _));
    }

    [Fact]
    public void TryResolve_RelativeSymlinkClimbingOut_Refused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), "../../");

        Assert.False(PathConfinement.TryResolve(_root, "sub/up/x", out _, out _));
    }

    [Fact]
    public void TryResolve_SymlinkStayingInside_Allowed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), Path.Combine(_root, "real"));

        Assert.True(PathConfinement.TryResolve(_root, "alias/file.txt", out var full, out var error), error);
        Assert.Equal(Path.Combine(_root, "alias", "file.txt"), full);
    }

    [Fact]
    public void TryResolve_SymlinkLoop_Refused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        File.CreateSymbolicLink(Path.Combine(_root, "b"), Path.Combine(_root, "a"));

        Assert.False(PathConfinement.TryResolve(_root, "a", out _, out _));
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
