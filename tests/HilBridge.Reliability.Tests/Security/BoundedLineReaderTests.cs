using System.Text;
using HilBridge.Live.Qemu;

namespace HilBridge.Reliability.Tests.Security;

/// <summary>The guest writes the serial console: however it writes, our buffering stays bounded.</summary>
public sealed class BoundedLineReaderTests
{
    [Fact]
    public async Task PumpAsync_ConsoleLines_DeliveredWithoutLineEnds()
    {
        var lines = await Pump("HB: start mode=verify\r\nplain\n\nlast without newline");

        Assert.Equal(["HB: start mode=verify", "plain", "", "last without newline"], lines);
    }

    [Fact]
    public async Task PumpAsync_GuestNeverEndsALine_CutAtTheBoundAndTheRestSkipped()
    {
        var text = new string('x', 10 * 1024 * 1024) + "\nHB: done\n";

        var lines = await Pump(text, maxLineBytes: 4096);

        Assert.Equal(2, lines.Count);
        Assert.Equal(new string('x', 4096) + BoundedLineReader.CutMarker, lines[0]);
        Assert.Equal("HB: done", lines[1]);
    }

    [Fact]
    public async Task PumpAsync_InvalidUtf8_DecodedLossilyNotThrown()
    {
        var lines = new List<string>();
        await BoundedLineReader.PumpAsync(new MemoryStream([0xff, 0xfe, (byte)'A', (byte)'\n']), lines.Add);

        Assert.Single(lines);
        Assert.EndsWith("A", lines[0], StringComparison.Ordinal);
    }

    private static async Task<List<string>> Pump(string text, int maxLineBytes = BoundedLineReader.DefaultMaxLineBytes)
    {
        var lines = new List<string>();
        await BoundedLineReader.PumpAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), lines.Add, maxLineBytes);
        return lines;
    }
}
