using HilBridge.VhostUser.Protocol;

namespace HilBridge.VhostUser.Tests.Protocol;

public class PayloadRoundTripTests
{
    [Theory]
    [InlineData(0u, 0u, 0u)]
    [InlineData(uint.MaxValue, 0xdu, uint.MaxValue)]
    [InlineData(24u, 0x9u, 40u)]
    public void Header_WriteThenRead_RoundTrips(uint request, uint flags, uint size)
    {
        var header = new VhostUserHeader(request, (VhostUserHeaderFlags)flags, size);
        var buffer = new byte[VhostUserHeader.Length];

        header.Write(buffer);

        Assert.Equal(header, VhostUserHeader.Read(buffer));
    }

    [Fact]
    public void ForReply_AnyRequest_UsesExactlyVersionAndReplyFlags() =>
        Assert.Equal(VhostUserHeaderFlags.Version1 | VhostUserHeaderFlags.Reply, VhostUserHeader.ForReply(22, 8).Flags);

    [Fact]
    public void VringAddress_WriteThenRead_RoundTrips()
    {
        var address = new VringAddress(7, VringAddressFlags.Log, ulong.MaxValue, 0x1234, 0x5678, 0x9abc);
        var buffer = new byte[VringAddress.Length];

        address.Write(buffer);

        Assert.Equal(address, VringAddress.Read(buffer));
    }

    [Fact]
    public void MemoryTable_EightRegions_RoundTrips()
    {
        var regions = Enumerable.Range(0, 8)
            .Select(i => new MemoryRegionDescription((ulong)i << 30, 0x1000UL * (ulong)(i + 1), 0x7f0000000000UL + ((ulong)i << 32), (ulong)i * 0x1000))
            .ToArray();
        var buffer = new byte[MemoryTableMessage.LengthFor(8)];
        var decoded = new MemoryRegionDescription[8];

        Assert.Equal(buffer.Length, MemoryTableMessage.Write(regions, buffer));

        Assert.Equal(8, MemoryTableMessage.Read(buffer, decoded));
        Assert.Equal(regions, decoded);
    }

    [Fact]
    public void MemoryTableWrite_NineRegions_Refused() =>
        Assert.Throws<ArgumentException>(() => MemoryTableMessage.Write(new MemoryRegionDescription[9], new byte[512]));

    [Theory]
    [InlineData(IotlbMessageType.Update, IotlbPermission.ReadOnly)]
    [InlineData(IotlbMessageType.Invalidate, IotlbPermission.None)]
    [InlineData(IotlbMessageType.Miss, IotlbPermission.WriteOnly)]
    [InlineData(IotlbMessageType.AccessFail, IotlbPermission.ReadWrite)]
    public void IotlbMessage_WriteThenRead_RoundTrips(IotlbMessageType type, IotlbPermission permission)
    {
        var message = new IotlbMessage(0xdead_b000, 0x20_0000, 0x7fff_0000_0000, permission, type);
        var buffer = new byte[IotlbMessage.Length];

        message.Write(buffer);

        Assert.Equal(message, IotlbMessage.Read(buffer));
        Assert.All(buffer[26..], b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0UL, 0UL, null)]
    [InlineData(ulong.MaxValue, 2UL, null)]
    [InlineData(0x1000UL, 0x1000UL, 0x1fffUL)]
    [InlineData(0UL, ulong.MaxValue, ulong.MaxValue - 1)]
    public void IotlbLastIova_EmptyWrappingOrNormal_Computed(ulong iova, ulong size, ulong? expected) =>
        Assert.Equal(expected, IotlbMessage.Invalidate(iova, size).LastIova);

    [Fact]
    public void Config_MaxSize_RoundTrips()
    {
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var header = new ConfigHeader(4, 256, ConfigFlags.LiveMigration);
        var buffer = new byte[header.PayloadLength];

        header.Write(data, buffer);

        Assert.Equal(header, ConfigHeader.Read(buffer, out var decoded));
        Assert.Equal(data, decoded.ToArray());
    }

    [Fact]
    public void Inflight_Write_PadsToTwentyFourBytes()
    {
        var inflight = new InflightDescription(0x1000, 0x20, 2, 256);
        var buffer = Enumerable.Repeat((byte)0xff, InflightDescription.Length).ToArray();

        inflight.Write(buffer);

        Assert.Equal(inflight, InflightDescription.Read(buffer));
        Assert.All(buffer[20..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void VringArea_WriteThenRead_RoundTrips()
    {
        var area = new VringArea(0x101, 0x1000, 0x2000);
        var buffer = new byte[VringArea.Length];

        area.Write(buffer);

        Assert.Equal(area, VringArea.Read(buffer));
    }

    [Fact]
    public void VringFileIndex_IndexAbove255_CannotBeEncoded() =>
        Assert.Throws<InvalidOperationException>(() => new VringFileIndex(256, false).ToUInt64());

    [Theory]
    [InlineData(0x1000UL, 0x1000UL, 0x1000UL, 0UL, true)]
    [InlineData(0x1000UL, 0x1000UL, 0x1fffUL, 1UL, true)]
    [InlineData(0x1000UL, 0x1000UL, 0x1fffUL, 2UL, false)]
    [InlineData(0x1000UL, 0x1000UL, 0xfffUL, 1UL, false)]
    [InlineData(0x1000UL, 0x1000UL, 0x1000UL, ulong.MaxValue, false)]
    public void ContainsUserRange_BoundsAndOverflow_Checked(ulong start, ulong size, ulong address, ulong length, bool expected) =>
        Assert.Equal(expected, new MemoryRegionDescription(0, size, start, 0).ContainsUserRange(address, length));

    [Fact]
    public void RequestEnum_WireValues_MatchSpec()
    {
        Assert.Equal(22u, (uint)VhostUserRequest.IotlbMsg);
        Assert.Equal(21u, (uint)VhostUserRequest.SetBackendReqFd);
        Assert.Equal(34u, (uint)VhostUserRequest.ResetDevice);
        Assert.Equal(40u, (uint)VhostUserRequest.GetStatus);
        Assert.Equal(1UL << 16, (ulong)VhostUserProtocolFeatures.Status);
        Assert.Equal(1UL << 5, (ulong)VhostUserProtocolFeatures.BackendReq);
        Assert.Equal(3u, (uint)VhostUserBackendRequest.VringHostNotifierMsg);
    }
}
