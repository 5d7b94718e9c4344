using System.Buffers.Binary;
using HilBridge.Core.Blk;

namespace HilBridge.Core.Tests.Blk;

public class VirtioBlkConfigTests
{
    [Fact]
    public void Bytes_FieldsAtSpecOffsets()
    {
        var config = new VirtioBlkConfig(capacitySectors: 0x1_0000_0002, segMax: 254, blockSize: 4096, numQueues: 4, sizeMax: 0x10000);
        var b = config.Bytes;

        Assert.Equal(VirtioBlkConfig.Length, b.Length);
        Assert.Equal(60, b.Length);
        Assert.Equal(0x1_0000_0002UL, BinaryPrimitives.ReadUInt64LittleEndian(b));
        Assert.Equal(0x10000u, BinaryPrimitives.ReadUInt32LittleEndian(b[8..]));
        Assert.Equal(254u, BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(b[16..])); // geometry
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32LittleEndian(b[20..]));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(b[24..])); // topology
        Assert.Equal(0, b[32]); // writeback
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(b[34..]));
        Assert.All(b[36..].ToArray(), x => Assert.Equal(0, x)); // discard / write zeroes
    }

    [Fact]
    public void Read_WholeStructIntoLargerBuffer_CopiesAllAndZeroesTail()
    {
        var config = new VirtioBlkConfig(8);
        var destination = Enumerable.Repeat((byte)0xee, 96).ToArray();

        Assert.Equal(60, config.Read(0, destination));

        Assert.Equal(config.Bytes.ToArray(), destination[..60]);
        Assert.All(destination[60..], x => Assert.Equal(0, x));
    }

    [Fact]
    public void Read_NumQueuesAtOffset34_ReturnsTwoBytes()
    {
        var config = new VirtioBlkConfig(8, numQueues: 0x0102);
        var destination = new byte[2];

        Assert.Equal(2, config.Read(34, destination));
        Assert.Equal([0x02, 0x01], destination);
    }

    [Theory]
    [InlineData(60u)]
    [InlineData(61u)]
    [InlineData(uint.MaxValue)]
    public void Read_OffsetBeyondStruct_ZeroBytesAndZeroFilled(uint offset)
    {
        var destination = new byte[] { 1, 2, 3, 4 };

        Assert.Equal(0, new VirtioBlkConfig(8).Read(offset, destination));
        Assert.Equal(new byte[4], destination);
    }

    [Fact]
    public void Read_RangeStraddlingEnd_CopiesAvailablePart()
    {
        var destination = new byte[8];

        Assert.Equal(4, new VirtioBlkConfig(8).Read(56, destination));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(256u)]
    [InlineData(1000u)]
    public void Ctor_BadBlockSize_Throws(uint blockSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtioBlkConfig(8, blockSize: blockSize));

    [Fact]
    public void Ctor_ZeroQueues_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtioBlkConfig(8, numQueues: 0));

    [Fact]
    public void For_Store_CapacityInSectors()
    {
        var config = VirtioBlkConfig.For(new InMemoryBlockStore(sectors: 48), numQueues: 2);

        Assert.Equal(48UL, config.CapacitySectors);
        Assert.Equal(512u, config.BlockSize);
        Assert.Equal(VirtioBlkConfig.DefaultSegMax, config.SegMax);
        Assert.Equal(2, config.NumQueues);
    }

    [Fact]
    public void Offered_ContainsDeviceAndRingFeatures_NotTransportOnes()
    {
        var offered = VirtioBlkFeatures.Offered;

        Assert.Equal(
            (1UL << 2) | (1UL << 6) | (1UL << 9) | (1UL << 12) | (1UL << 28) | (1UL << 29),
            offered);
        Assert.Equal(0UL, offered & ((1UL << 32) | (1UL << 33))); // VERSION_1 and ACCESS_PLATFORM are the host's
    }
}
