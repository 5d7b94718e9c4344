using HilBridge.Live.Guest;

namespace HilBridge.Live.Tests.Guest;

public sealed class ConsoleLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"hb-console-{Guid.NewGuid():N}.log");

    [Fact]
    public void WriteLine_UnderTheLimit_EveryLineKept()
    {
        using (var log = new ConsoleLog(_path, maxBytes: 1000))
        {
            log.WriteLine("one");
            log.WriteLine("two");
        }

        Assert.Equal(["one", "two"], File.ReadAllLines(_path));
    }

    [Fact]
    public void WriteLine_Flood_StopsAtTheLimitWithMarkerAndCount()
    {
        long dropped;
        using (var log = new ConsoleLog(_path, maxBytes: 100))
        {
            for (int i = 0; i < 1000; i++)
            {
                log.WriteLine(new string('x', 9)); // 10 bytes with the newline
            }

            dropped = log.DroppedLines;
        }

        var lines = File.ReadAllLines(_path);
        Assert.Equal(990, dropped);
        Assert.Equal(10, lines.Count(l => l == new string('x', 9)));
        Assert.Contains("100 byte limit", lines[10]);
        Assert.Equal("[hilbridge] 990 console lines dropped", lines[^1]);
        Assert.True(new FileInfo(_path).Length < 300);
    }

    [Fact]
    public void WriteLine_AfterDispose_Ignored()
    {
        var log = new ConsoleLog(_path);
        log.Dispose();
        log.WriteLine("late line from a dying QEMU");
        log.Dispose();
        Assert.Empty(File.ReadAllLines(_path));
    }

    public void Dispose() => File.Delete(_path);
}
