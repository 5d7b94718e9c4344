using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Tests.TestSupport;

namespace HilBridge.VhostUser.Tests.Protocol;

/// <summary>
/// Whole messages as QEMU 7.2 writes them to a vhost-user-blk back-end (iommu_platform=on,
/// num-queues=1), byte for byte: header, then payload. Each decodes to the expected fields and
/// re-encodes to the same bytes.
/// </summary>
public class QemuMessageVectorTests
{
    [Theory]
    [InlineData("01000000 01000000 00000000", VhostUserRequest.GetFeatures, 0x1u)]
    [InlineData("03000000 01000000 00000000", VhostUserRequest.SetOwner, 0x1u)]
    [InlineData("04000000 01000000 00000000", VhostUserRequest.ResetOwner, 0x1u)]
    [InlineData("0f000000 01000000 00000000", VhostUserRequest.GetProtocolFeatures, 0x1u)]
    [InlineData("11000000 01000000 00000000", VhostUserRequest.GetQueueNum, 0x1u)]
    [InlineData("15000000 09000000 00000000", VhostUserRequest.SetBackendReqFd, 0x9u)]
    [InlineData("22000000 01000000 00000000", VhostUserRequest.ResetDevice, 0x1u)]
    [InlineData("24000000 01000000 00000000", VhostUserRequest.GetMaxMemSlots, 0x1u)]
    public void Header_PayloadlessQemuRequest_DecodesAndReencodes(string hex, VhostUserRequest request, uint flags)
    {
        var bytes = Hex.Parse(hex);

        var header = VhostUserHeader.Read(bytes);

        Assert.Equal((uint)request, header.Request);
        Assert.Equal(flags, (uint)header.Flags);
        Assert.Equal(0u, header.Size);
        header.ValidateAsRequest();
        AssertReencodes(bytes, header.Write);
    }

    [Theory]
    [InlineData("02000000 01000000 08000000 0002004003000000", VhostUserRequest.SetFeatures, 0x0000000340000200UL)]
    [InlineData("10000000 01000000 08000000 2902000000000000", VhostUserRequest.SetProtocolFeatures, 0x229UL)]
    [InlineData("01000000 05000000 08000000 0002004003000000", VhostUserRequest.GetFeatures, 0x0000000340000200UL)]
    [InlineData("0f000000 05000000 08000000 2902000000000000", VhostUserRequest.GetProtocolFeatures, 0x229UL)]
    [InlineData("11000000 05000000 08000000 0100000000000000", VhostUserRequest.GetQueueNum, 1UL)]
    [InlineData("05000000 05000000 08000000 0000000000000000", VhostUserRequest.SetMemTable, 0UL)]
    [InlineData("16000000 05000000 08000000 0100000000000000", VhostUserRequest.IotlbMsg, 1UL)]
    public void U64Message_QemuVector_DecodesAndReencodes(string hex, VhostUserRequest request, ulong value)
    {
        var (header, payload) = Split(hex);

        Assert.Equal((uint)request, header.Request);
        Assert.Equal(value, U64Payload.Read(payload));
        AssertReencodes(payload, d => U64Payload.Write(value, d));
    }

    [Theory]
    [InlineData("08000000 01000000 08000000 00000000 00010000", VhostUserRequest.SetVringNum, 0u, 256u)]
    [InlineData("0a000000 01000000 08000000 00000000 00000000", VhostUserRequest.SetVringBase, 0u, 0u)]
    [InlineData("12000000 01000000 08000000 00000000 01000000", VhostUserRequest.SetVringEnable, 0u, 1u)]
    [InlineData("12000000 01000000 08000000 00000000 00000000", VhostUserRequest.SetVringEnable, 0u, 0u)]
    [InlineData("0b000000 01000000 08000000 00000000 00000000", VhostUserRequest.GetVringBase, 0u, 0u)]
    [InlineData("0b000000 05000000 08000000 00000000 2a000000", VhostUserRequest.GetVringBase, 0u, 42u)]
    public void VringStateMessage_QemuVector_DecodesAndReencodes(string hex, VhostUserRequest request, uint index, uint num)
    {
        var (header, payload) = Split(hex);

        var state = VringState.Read(payload);

        Assert.Equal((uint)request, header.Request);
        Assert.Equal(new VringState(index, num), state);
        AssertReencodes(payload, state.Write);
    }

    [Theory]
    [InlineData("0c000000 01000000 08000000 0000000000000000", VhostUserRequest.SetVringKick, 0u, false)]
    [InlineData("0d000000 01000000 08000000 0000000000000000", VhostUserRequest.SetVringCall, 0u, false)]
    [InlineData("0e000000 01000000 08000000 0000000000000000", VhostUserRequest.SetVringErr, 0u, false)]
    [InlineData("0d000000 01000000 08000000 0001000000000000", VhostUserRequest.SetVringCall, 0u, true)]
    [InlineData("0c000000 01000000 08000000 0301000000000000", VhostUserRequest.SetVringKick, 3u, true)]
    public void VringFileMessage_QemuVector_DecodesIndexAndNoFdBit(string hex, VhostUserRequest request, uint index, bool noFd)
    {
        var (header, payload) = Split(hex);

        var file = VringFileIndex.Read(payload);

        Assert.Equal((uint)request, header.Request);
        Assert.Equal(new VringFileIndex(index, noFd), file);
        AssertReencodes(payload, file.Write);
    }

    [Fact]
    public void SetVringAddr_QemuVector_DecodesRingIovas()
    {
        var (header, payload) = Split(
            "09000000 01000000 28000000 00000000 00000000 00f0ffff00000000 00e0ffff00000000 00d0ffff00000000 0000000000000000");

        var address = VringAddress.Read(payload);

        Assert.Equal((uint)VhostUserRequest.SetVringAddr, header.Request);
        Assert.Equal(new VringAddress(0, VringAddressFlags.None, 0xfffff000, 0xffffe000, 0xffffd000, 0), address);
        AssertReencodes(payload, address.Write);
    }

    [Fact]
    public void SetMemTable_QemuVector_DecodesOneRegion()
    {
        var (header, payload) = Split(
            "05000000 09000000 28000000 01000000 00000000 0000004000000000 0000004000000000 000000007f7f0000 0000000000000000");
        var regions = new MemoryRegionDescription[VhostUserLimits.MaxMemoryRegions];

        var count = MemoryTableMessage.Read(payload, regions);

        Assert.True(header.NeedsReply);
        Assert.Equal(1, count);
        Assert.Equal(new MemoryRegionDescription(0x40000000, 0x40000000, 0x7f7f00000000, 0), regions[0]);
        AssertReencodes(payload, d => MemoryTableMessage.Write(regions.AsSpan(0, count), d));
    }

    [Fact]
    public void SetMemTable_TwoRegions_DecodesBoth()
    {
        var (_, payload) = Split(
            "05000000 01000000 48000000 02000000 00000000 "
            + "0000000000000000 0000001000000000 000000007f7f0000 0000000000000000 "
            + "0000004000000000 0000010000000000 000000007f7f0000 0000001000000000");
        var regions = new MemoryRegionDescription[VhostUserLimits.MaxMemoryRegions];

        var count = MemoryTableMessage.Read(payload, regions);

        Assert.Equal(2, count);
        Assert.Equal(new MemoryRegionDescription(0x40000000, 0x10000, 0x7f7f00000000, 0x10000000), regions[1]);
    }

    [Fact]
    public void GetConfig_QemuVector_RequestsWholeBlkConfig()
    {
        // vhost_user_get_config: size = 12 + sizeof(struct virtio_blk_config) (60), region zeroed.
        var (header, payload) = Split("18000000 01000000 48000000 00000000 3c000000 00000000" + new string('0', 120));

        var config = ConfigHeader.Read(payload, out var data);

        Assert.Equal((uint)VhostUserRequest.GetConfig, header.Request);
        Assert.Equal(new ConfigHeader(0, 60, ConfigFlags.Writable), config);
        Assert.Equal(60, data.Length);
        var copy = data.ToArray();
        AssertReencodes(payload, d => config.Write(copy, d));
    }

    [Fact]
    public void SetConfig_QemuVector_DecodesWriteCacheByte()
    {
        var (header, payload) = Split("19000000 09000000 0d000000 20000000 01000000 00000000 01");

        var config = ConfigHeader.Read(payload, out var data);

        Assert.Equal((uint)VhostUserRequest.SetConfig, header.Request);
        Assert.Equal(new ConfigHeader(0x20, 1, ConfigFlags.Writable), config);
        Assert.Equal([1], data.ToArray());
    }

    [Fact]
    public void IotlbUpdate_QemuVector_DecodesTranslation()
    {
        var (header, payload) = Split(
            "16000000 09000000 20000000 00f0ffff00000000 0010000000000000 00705634127f0000 03 02 000000000000");

        var message = IotlbMessage.Read(payload);

        Assert.Equal((uint)VhostUserRequest.IotlbMsg, header.Request);
        Assert.True(header.NeedsReply);
        Assert.Equal(IotlbMessage.Update(0xfffff000, 0x1000, 0x7f1234567000, IotlbPermission.ReadWrite), message);
        AssertReencodes(payload, message.Write);
    }

    [Fact]
    public void IotlbInvalidate_QemuVectorWithStackGarbage_DecodesRangeAndType()
    {
        // QEMU 7.2 leaves uaddr, perm and padding of an INVALIDATE uninitialised.
        var (_, payload) = Split(
            "16000000 09000000 20000000 00f0ffff00000000 0010000000000000 deadbeefdeadbeef cc 03 aabbccddeeff");

        var message = IotlbMessage.Read(payload);

        Assert.Equal(IotlbMessageType.Invalidate, message.Type);
        Assert.Equal(0xfffff000UL, message.Iova);
        Assert.Equal(0x1000UL, message.Size);
        Assert.Equal(0xfffff000UL + 0xfff, message.LastIova);
    }

    [Fact]
    public void BackendIotlbMiss_Encoded_MatchesWhatQemuParses()
    {
        var expected = Hex.Parse("01000000 01000000 20000000 00f0ffff00000000 0000000000000000 0000000000000000 03 01 000000000000");
        var buffer = new byte[expected.Length];

        new VhostUserHeader((uint)VhostUserBackendRequest.IotlbMsg, VhostUserHeaderFlags.Version1, IotlbMessage.Length).Write(buffer);
        IotlbMessage.Miss(0xfffff000, IotlbPermission.ReadWrite).Write(buffer.AsSpan(VhostUserHeader.Length));

        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void AddMemReg_Vector_DecodesRegionAfterPadding()
    {
        var (_, payload) = Split(
            "25000000 09000000 28000000 0000000000000000 0000004000000000 0000004000000000 000000007f7f0000 0000000000000000");

        var region = MemoryRegionMessage.Read(payload);

        Assert.Equal(new MemoryRegionDescription(0x40000000, 0x40000000, 0x7f7f00000000, 0), region);
        AssertReencodes(payload, d => MemoryRegionMessage.Write(region, d));
    }

    [Theory]
    [InlineData("1f000000 01000000 18000000 0000000000000000 0000000000000000 0100 8000 00000000")]
    [InlineData("1f000000 01000000 14000000 0000000000000000 0000000000000000 0100 8000")]
    public void GetInflightFd_PaddedOrPackedVector_Decodes(string hex)
    {
        var (_, payload) = Split(hex);

        var inflight = InflightDescription.Read(payload);

        Assert.Equal(new InflightDescription(0, 0, 1, 128), inflight);
    }

    internal static (VhostUserHeader Header, byte[] Payload) Split(string hex)
    {
        var bytes = Hex.Parse(hex);
        var header = VhostUserHeader.Read(bytes.AsSpan(0, VhostUserHeader.Length));
        Assert.Equal((uint)(bytes.Length - VhostUserHeader.Length), header.Size);
        return (header, bytes[VhostUserHeader.Length..]);
    }

    private delegate void Writer(Span<byte> destination);

    private static void AssertReencodes(byte[] expected, Writer write)
    {
        var buffer = new byte[expected.Length];
        write(buffer);
        Assert.Equal(expected, buffer);
    }

    private static void AssertReencodes(byte[] expected, Func<Span<byte>, int> write)
    {
        var buffer = new byte[expected.Length];
        Assert.Equal(expected.Length, write(buffer));
        Assert.Equal(expected, buffer);
    }
}
