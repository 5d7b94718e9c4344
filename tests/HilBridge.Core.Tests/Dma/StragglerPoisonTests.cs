using System.Text;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Tests.Dma;

public class StragglerPoisonTests
{
    [Fact]
    public void Fill_SeventyBytes_RepeatsTheUnitAndCutsTheLast()
    {
        var bytes = new byte[70];

        StragglerPoison.Fill(bytes, 0x2a);

        Assert.Equal("HBSTRAG:0000002aHBSTRAG:0000002aHBSTRAG:0000002aHBSTRAG:0000002aHBSTRA", Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void TryParseId_FilledUnit_ReturnsTheId()
    {
        var bytes = new byte[16];
        StragglerPoison.Fill(bytes, 123456);

        Assert.True(StragglerPoison.TryParseId(bytes, out var id));
        Assert.Equal(123456UL, id);
    }

    [Theory]
    [InlineData("HBSTRAG:0000002")]   // short
    [InlineData("HBSTRAX:0000002a")]  // wrong tag
    [InlineData("HBSTRAG:0000002g")]  // not hex
    [InlineData("0000002aHBSTRAG:")]  // not at the start
    public void TryParseId_NotAUnit_ReturnsFalse(string text) =>
        Assert.False(StragglerPoison.TryParseId(Encoding.ASCII.GetBytes(text), out _));
}
