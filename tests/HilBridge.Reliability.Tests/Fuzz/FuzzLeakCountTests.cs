using HilBridge.Fuzz.Targets.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Reliability.Tests.Fuzz;

/// <summary>The session fuzzer's leak oracle counts what is held on its files, and only that.</summary>
public sealed class FuzzLeakCountTests
{
    [Fact]
    public void CountHeldByProcess_ExtraFdsAndMappingsOfFuzzerFiles_Counted()
    {
        using var fds = new FuzzFds();
        var before = fds.CountHeldByProcess();

        using var pipe = File.OpenHandle($"/proc/self/fd/{fds.PipeRead.DangerousFd}", FileMode.Open, FileAccess.Read);
        using var mapping = MemoryMapping.Map(fds.Guest, 4096);
        var after = fds.CountHeldByProcess();

        Assert.Equal(before.Fds + 1, after.Fds);
        Assert.Equal(before.Maps + 1, after.Maps);
    }

    [Fact]
    public void CountHeldByProcess_OtherFilesAndMappings_NotCounted()
    {
        using var fds = new FuzzFds();
        var before = fds.CountHeldByProcess();

        using var other = new FuzzFds(); // another instance: same kinds of files, not ours
        using var mapping = MemoryMapping.Map(other.Guest, 4096);
        using var zero = File.OpenHandle("/dev/zero", FileMode.Open, FileAccess.Read);

        Assert.Equal(before, fds.CountHeldByProcess());
    }
}
