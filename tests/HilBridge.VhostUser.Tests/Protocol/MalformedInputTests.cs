using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Tests.TestSupport;

namespace HilBridge.VhostUser.Tests.Protocol;

/// <summary>Every malformed input is a typed <see cref="VhostUserProtocolException"/>, never a crash or a partial result.</summary>
public class MalformedInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("01000000 01000000 000000")]
    [InlineData("01000000 01000000 00000000 00")]
    public void HeaderRead_NotTwelveBytes_ThrowsProtocolException(string hex)
    {
        var e = Assert.Throws<VhostUserProtocolException>(() => VhostUserHeader.Read(Hex.Parse(hex)));

        Assert.Contains("truncated header", e.Message);
    }

    [Theory]
    [InlineData(0x0u, "version 0")]
    [InlineData(0x2u, "version 2")]
    [InlineData(0x3u, "version 3")]
    [InlineData(0x5u, "reply flag")]
    [InlineData(0x11u, "reserved")]
    [InlineData(0x80000001u, "reserved")]
    public void ValidateAsRequest_BadFlags_ThrowsProtocolException(uint flags, string expected)
    {
        var header = new VhostUserHeader(1, (VhostUserHeaderFlags)flags, 0);

        var e = Assert.Throws<VhostUserProtocolException>(header.ValidateAsRequest);

        Assert.Contains(expected, e.Message);
        Assert.Equal(1u, e.Request);
    }

    [Theory]
    [InlineData(0x1u)]
    [InlineData(0x9u)]
    public void ValidateAsRequest_Version1WithOrWithoutNeedReply_Accepted(uint flags) =>
        new VhostUserHeader(1, (VhostUserHeaderFlags)flags, 0).ValidateAsRequest();

    [Theory]
    [InlineData(0x1u, 1u)]
    [InlineData(0xdu, 1u)]
    [InlineData(0x5u, 2u)]
    public void ValidateAsReplyTo_NotExactReplyOrOtherRequest_Throws(uint flags, uint request) =>
        Assert.Throws<VhostUserProtocolException>(() => new VhostUserHeader(request, (VhostUserHeaderFlags)flags, 8).ValidateAsReplyTo(1));

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(9)]
    public void U64Read_WrongSize_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => U64Payload.Read(new byte[length]));

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(16)]
    public void VringStateRead_WrongSize_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => VringState.Read(new byte[length]));

    [Theory]
    [InlineData(32)]
    [InlineData(39)]
    [InlineData(41)]
    public void VringAddressRead_WrongSize_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => VringAddress.Read(new byte[length]));

    [Theory]
    [InlineData(26)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(40)]
    public void IotlbRead_NotThirtyTwoBytes_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => IotlbMessage.Read(new byte[length]));

    [Theory]
    [InlineData("0002000000000000")]
    [InlineData("0000000001000000")]
    [InlineData("ffffffffffffffff")]
    public void VringFileIndexRead_ReservedBitsSet_Throws(string hex) =>
        Assert.Throws<VhostUserProtocolException>(() => VringFileIndex.Read(Hex.Parse(hex)));

    [Fact]
    public void MemoryTableRead_NineRegions_ThrowsBeforeSizing()
    {
        var payload = new byte[MemoryTableMessage.LengthFor(9)];
        payload[0] = 9;

        var e = Assert.Throws<VhostUserProtocolException>(() => MemoryTableMessage.Read(payload, new MemoryRegionDescription[8]));

        Assert.Contains("at most 8", e.Message);
    }

    [Fact]
    public void MemoryTableRead_HugeRegionCount_Throws()
    {
        var payload = Hex.Parse("ffffffff 00000000");

        Assert.Throws<VhostUserProtocolException>(() => MemoryTableMessage.Read(payload, new MemoryRegionDescription[8]));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(1, 8)]
    [InlineData(0, 1)]
    public void MemoryTableRead_SizeDisagreesWithCount_Throws(int declared, int actual)
    {
        var payload = new byte[MemoryTableMessage.LengthFor(actual)];
        payload[0] = (byte)declared;

        Assert.Throws<VhostUserProtocolException>(() => MemoryTableMessage.Read(payload, new MemoryRegionDescription[8]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(7)]
    public void MemoryTableRead_ShorterThanHeader_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => MemoryTableMessage.Read(new byte[length], new MemoryRegionDescription[8]));

    [Fact]
    public void ConfigRead_SizeAbove256_Throws()
    {
        var payload = new byte[12 + 257];
        payload[4] = 0x01;
        payload[5] = 0x01;

        var e = Assert.Throws<VhostUserProtocolException>(() => ConfigHeader.Read(payload, out _));

        Assert.Contains("exceeds 256", e.Message);
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(8, 4)]
    [InlineData(60, 0)]
    public void ConfigRead_SizeDisagreesWithPayload_Throws(int declared, int dataBytes)
    {
        var payload = new byte[12 + dataBytes];
        payload[4] = (byte)declared;

        Assert.Throws<VhostUserProtocolException>(() => ConfigHeader.Read(payload, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void ConfigRead_ShorterThanHeader_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => ConfigHeader.Read(new byte[length], out _));

    [Theory]
    [InlineData(16)]
    [InlineData(21)]
    [InlineData(32)]
    public void InflightRead_NeitherPaddedNorPacked_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => InflightDescription.Read(new byte[length]));

    [Theory]
    [InlineData(32)]
    [InlineData(48)]
    public void MemoryRegionMessageRead_WrongSize_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => MemoryRegionMessage.Read(new byte[length]));

    [Theory]
    [InlineData(8)]
    [InlineData(24)]
    public void LogDescriptionRead_WrongSize_Throws(int length) =>
        Assert.Throws<VhostUserProtocolException>(() => LogDescription.Read(new byte[length]));
}
