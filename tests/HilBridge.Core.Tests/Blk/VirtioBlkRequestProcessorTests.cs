using System.Buffers.Binary;
using HilBridge.Core.Blk;
using HilBridge.Core.Dma;
using HilBridge.Core.Tests.Virtio;
using HilBridge.Core.Virtio;

namespace HilBridge.Core.Tests.Blk;

public class VirtioBlkRequestProcessorTests
{
    private const ulong HeaderAt = 0x1000;
    private const ulong DataAt = 0x10000;
    private const ulong StatusAt = 0x3000;
    private const int Sectors = 64;

    private readonly TestDmaSpace _memory = new();
    private readonly InMemoryBlockStore _store = new(Sectors);
    private readonly VirtioBlkRequestProcessor _device;

    public VirtioBlkRequestProcessorTests()
    {
        _device = new VirtioBlkRequestProcessor(_store, "hilbridge-serial");
        _memory.Memory[StatusAt] = 0xff; // so an unwritten status byte shows
    }

    private DescriptorSegment Header(VirtioBlkRequestType type, ulong sector, ulong at = HeaderAt)
    {
        WriteHeader(at, (uint)type, sector);
        return new DescriptorSegment(at, 16, false);
    }

    private void WriteHeader(ulong at, uint type, ulong sector)
    {
        var h = _memory.Memory.AsSpan((int)at, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], sector);
    }

    private static DescriptorSegment Status(ulong at = StatusAt) => new(at, 1, true);

    private byte StatusByte => _memory.Memory[StatusAt];

    private byte[] Guest(ulong at, int length) => _memory.Memory.AsSpan((int)at, length).ToArray();

    private byte[] Disk(long sector, int length) => _store.Data.AsSpan((int)(sector * 512), length).ToArray();

    [Fact]
    public void Process_ReadIntoTwoBuffers_CopiesSectorsByteForByte()
    {
        var chain = new List<DescriptorSegment>
        {
            Header(VirtioBlkRequestType.In, sector: 3),
            new(DataAt, 512, true),
            new(DataAt + 0x8000, 1024, true),
            Status(),
        };

        var result = _device.Process(_memory, chain);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(RequestOutcome.Ok, result.Outcome);
        Assert.Equal(0, StatusByte);
        Assert.Equal(Disk(3, 512), Guest(DataAt, 512));
        Assert.Equal(Disk(4, 1024), Guest(DataAt + 0x8000, 1024));
        Assert.Equal(1536u + 1, result.UsedLength);
        Assert.Equal(1536UL, result.BytesRead);
        Assert.Equal(0UL, result.BytesWritten);
        Assert.Equal(VirtioBlkRequestType.In, result.Type);
        Assert.Equal(3UL, result.Sector);
    }

    [Fact]
    public void Process_WriteFromTwoBuffers_StoresDataByteForByte()
    {
        var payload = Enumerable.Range(0, 1536).Select(i => (byte)(255 - i % 251)).ToArray();
        payload.CopyTo(_memory.Memory, (int)DataAt);
        var chain = new List<DescriptorSegment>
        {
            Header(VirtioBlkRequestType.Out, sector: 10),
            new(DataAt, 1000, false),
            new(DataAt + 1000, 536, false),
            Status(),
        };
        var before = Disk(9, 512);
        var after = Disk(13, 512);

        var result = _device.Process(_memory, chain);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(0, StatusByte);
        Assert.Equal(payload, Disk(10, 1536));
        Assert.Equal(before, Disk(9, 512));
        Assert.Equal(after, Disk(13, 512));
        Assert.Equal(1u, result.UsedLength);
        Assert.Equal(1536UL, result.BytesWritten);
    }

    [Fact]
    public void Process_WriteThenRead_RoundTrips()
    {
        var payload = Enumerable.Range(0, 4096).Select(i => (byte)(i ^ (i >> 8))).ToArray();
        payload.CopyTo(_memory.Memory, (int)DataAt);
        _device.Process(_memory, [Header(VirtioBlkRequestType.Out, 56), new(DataAt, 2048, false), new(DataAt + 2048, 2048, false), Status()]);
        _memory.Memory.AsSpan((int)DataAt, 4096).Clear();

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 56), new(DataAt + 0x4000, 4096, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(payload, Guest(DataAt + 0x4000, 4096));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(100)]
    [InlineData(1)]
    public void Process_ReadLargerThanScratch_ChunksWithoutLosingBytes(int scratch)
    {
        var device = new VirtioBlkRequestProcessor(_store, scratchBytes: scratch);

        var result = device.Process(_memory, [Header(VirtioBlkRequestType.In, 1), new(DataAt, 777, true), new(DataAt + 0x1000, 759, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        var disk = Disk(1, 1536);
        Assert.Equal(disk[..777], Guest(DataAt, 777));
        Assert.Equal(disk[777..], Guest(DataAt + 0x1000, 759));
    }

    [Fact]
    public void Process_WriteLargerThanScratch_ChunksWithoutLosingBytes()
    {
        var device = new VirtioBlkRequestProcessor(_store, scratchBytes: 300);
        var payload = Enumerable.Range(0, 1024).Select(i => (byte)(i * 13)).ToArray();
        payload.CopyTo(_memory.Memory, (int)DataAt);

        var result = device.Process(_memory, [Header(VirtioBlkRequestType.Out, 5), new(DataAt, 1024, false), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(payload, Disk(5, 1024));
    }

    [Fact]
    public void Process_HeaderSplitAcrossThreeDescriptors_Parsed()
    {
        WriteHeader(0x7000, (uint)VirtioBlkRequestType.In, 7);
        var raw = Guest(0x7000, 16);
        raw[..5].CopyTo(_memory.Memory, 0x1000);
        raw[5..12].CopyTo(_memory.Memory, 0x1100);
        raw[12..].CopyTo(_memory.Memory, 0x1200);
        var chain = new List<DescriptorSegment>
        {
            new(0x1000, 5, false), new(0x1100, 7, false), new(0x1200, 4, false),
            new(DataAt, 512, true), Status(),
        };

        var result = _device.Process(_memory, chain);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(7UL, result.Sector);
        Assert.Equal(Disk(7, 512), Guest(DataAt, 512));
    }

    [Fact]
    public void Process_HeaderAndDataInOneDescriptor_WritesDataAfterHeader()
    {
        WriteHeader(DataAt, (uint)VirtioBlkRequestType.Out, 2);
        var payload = Enumerable.Range(0, 512).Select(i => (byte)~i).ToArray();
        payload.CopyTo(_memory.Memory, (int)DataAt + 16);

        var result = _device.Process(_memory, [new(DataAt, 16 + 512, false), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(payload, Disk(2, 512));
    }

    [Fact]
    public void Process_DataAndStatusInOneDescriptor_StatusIsLastByte()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 513, true)]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(Disk(0, 512), Guest(DataAt, 512));
        Assert.Equal(0, _memory.Memory[DataAt + 512]);
        Assert.Equal(513u, result.UsedLength);
    }

    [Fact]
    public void Process_ZeroLengthReadAtEndOfDisk_Accepted()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, Sectors), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status); // as QEMU's virtio_blk_sect_range_ok
        Assert.Equal(1u, result.UsedLength);
    }

    [Fact]
    public void Process_ReadLastSectors_Accepted()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, Sectors - 2), new(DataAt, 1024, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
    }

    [Theory]
    [InlineData(63UL, 1024)] // one sector past the end
    [InlineData(64UL, 512)]
    [InlineData(65UL, 0)] // zero sectors, but the start is past the end
    [InlineData(ulong.MaxValue, 512)]
    [InlineData(ulong.MaxValue / 512, 1024)] // sector * 512 would overflow
    [InlineData(0x0080_0000_0000_0000UL, 512)] // sector * 512 == 2^64
    public void Process_ReadOutOfRange_IoErrWithoutStoreAccess(ulong sector, int length)
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, sector), new(DataAt, (uint)length, true), Status()]);

        Assert.Equal(VirtioBlkStatus.IoErr, result.Status);
        Assert.Equal(RequestOutcome.OutOfRange, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
        Assert.Equal(0, _memory.PayloadAccesses);
    }

    [Fact]
    public void Process_WriteOutOfRange_IoErrWithoutStoreAccess()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Out, Sectors), new(DataAt, 512, false), Status()]);

        Assert.Equal(RequestOutcome.OutOfRange, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Theory]
    [InlineData(VirtioBlkRequestType.In, 100u)]
    [InlineData(VirtioBlkRequestType.Out, 513u)]
    public void Process_LengthNotSectorMultiple_IoErrBadLength(VirtioBlkRequestType type, uint length)
    {
        var result = _device.Process(_memory, [Header(type, 0), new(DataAt, length, type == VirtioBlkRequestType.In), Status()]);

        Assert.Equal(VirtioBlkStatus.IoErr, result.Status);
        Assert.Equal(RequestOutcome.BadLength, result.Outcome);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_ReadWithFencedPayload_IoErrAndStatusWritten()
    {
        _memory.FencePayload = true;

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, true), Status()]);

        Assert.Equal(VirtioBlkStatus.IoErr, result.Status);
        Assert.Equal(RequestOutcome.DmaFenced, result.Outcome);
        Assert.True(result.StatusWritten);
        Assert.Equal(1, StatusByte);
        Assert.Equal(1u, result.UsedLength);
        Assert.Equal(new byte[512], Guest(DataAt, 512));
    }

    [Fact]
    public void Process_WriteWithFencedPayload_IoErrAndDiskUntouched()
    {
        _memory.FencePayload = true;
        var before = (byte[])_store.Data.Clone();

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Out, 0), new(DataAt, 512, false), Status()]);

        Assert.Equal(RequestOutcome.DmaFenced, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(before, _store.Data);
        Assert.Equal(0, _store.Writes);
    }

    [Fact]
    public void Process_SecondBufferFaults_IoErrUsedLengthCountsDeliveredBytes()
    {
        _memory.Fail(DataAt + 0x1000, 512);

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, true), new(DataAt + 0x1000, 512, true), Status()]);

        Assert.Equal(RequestOutcome.DmaFault, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(513u, result.UsedLength);
        Assert.Equal(512UL, result.BytesRead);
    }

    [Fact]
    public void Process_HeaderUnreadable_IoErrDmaFault()
    {
        var chain = new List<DescriptorSegment> { Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, true), Status() };
        _memory.Fail(HeaderAt, 16, DmaStatus.Fault, AccessKind.Read);

        var result = _device.Process(_memory, chain);

        Assert.Equal(RequestOutcome.DmaFault, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Theory]
    [InlineData(VirtioBlkRequestType.Discard)]
    [InlineData(VirtioBlkRequestType.WriteZeroes)]
    [InlineData((VirtioBlkRequestType)0xdeadbeef)]
    public void Process_UnsupportedType_Unsupp(VirtioBlkRequestType type)
    {
        var result = _device.Process(_memory, [Header(type, 0), new(DataAt, 16, false), Status()]);

        Assert.Equal(VirtioBlkStatus.Unsupp, result.Status);
        Assert.Equal(RequestOutcome.Unsupported, result.Outcome);
        Assert.Equal(2, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_Flush_FlushesStore()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Flush, 0), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal(0, StatusByte);
        Assert.Equal(1, _store.Flushes);
        Assert.Equal(1u, result.UsedLength);
    }

    [Fact]
    public void Process_FlushFails_IoErrStoreError()
    {
        _store.FailFlush = true;

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Flush, 0), Status()]);

        Assert.Equal(RequestOutcome.StoreError, result.Outcome);
        Assert.Equal(1, StatusByte);
    }

    [Theory]
    [InlineData(VirtioBlkRequestType.In)]
    [InlineData(VirtioBlkRequestType.Out)]
    public void Process_StoreFails_IoErrStoreError(VirtioBlkRequestType type)
    {
        _store.FailReads = _store.FailWrites = true;

        var result = _device.Process(_memory, [Header(type, 0), new(DataAt, 512, type == VirtioBlkRequestType.In), Status()]);

        Assert.Equal(RequestOutcome.StoreError, result.Outcome);
        Assert.Equal(1, StatusByte);
    }

    [Fact]
    public void Process_GetId_WritesSerialNulPadded()
    {
        _memory.Memory.AsSpan((int)DataAt, 20).Fill(0xcc);

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.GetId, 0), new(DataAt, 20, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal("hilbridge-serial\0\0\0\0"u8.ToArray(), Guest(DataAt, 20));
        Assert.Equal(21u, result.UsedLength);
    }

    [Fact]
    public void Process_GetIdShortBuffer_WritesPrefix()
    {
        _memory.Memory[DataAt + 8] = 0xcc;

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.GetId, 0), new(DataAt, 8, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.Equal("hilbridg"u8.ToArray(), Guest(DataAt, 8));
        Assert.Equal(0xcc, _memory.Memory[DataAt + 8]);
        Assert.Equal(9u, result.UsedLength);
    }

    [Fact]
    public void Process_GetIdFenced_IoErr()
    {
        _memory.FencePayload = true;

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.GetId, 0), new(DataAt, 20, true), Status()]);

        Assert.Equal(RequestOutcome.DmaFenced, result.Outcome);
        Assert.Equal(1, StatusByte);
    }

    [Fact]
    public void Process_NoWritableBuffer_BadChainNothingWritten()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, false)]);

        Assert.Equal(RequestOutcome.BadChain, result.Outcome);
        Assert.False(result.StatusWritten);
        Assert.Equal(0u, result.UsedLength);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_OnlyZeroLengthWritableBuffer_BadChain()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Flush, 0), new(StatusAt, 0, true)]);

        Assert.Equal(RequestOutcome.BadChain, result.Outcome);
        Assert.Equal(0xff, StatusByte);
    }

    [Fact]
    public void Process_HeaderShorterThan16Bytes_IoErrBadChain()
    {
        Header(VirtioBlkRequestType.Flush, 0);

        var result = _device.Process(_memory, [new(HeaderAt, 12, false), Status()]);

        Assert.Equal(RequestOutcome.BadChain, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_ReadWithDeviceReadableData_IoErrWrongDirection()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, false), Status()]);

        Assert.Equal(RequestOutcome.WrongDirection, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_WriteWithDeviceWritableData_IoErrWrongDirection()
    {
        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Out, 0), new(DataAt, 512, true), Status()]);

        Assert.Equal(RequestOutcome.WrongDirection, result.Outcome);
        Assert.Equal(1, StatusByte);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_StatusByteUnwritable_ReportedNotHidden()
    {
        _memory.Fail(StatusAt, 1, DmaStatus.Fault, AccessKind.Write);

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, true), Status()]);

        Assert.Equal(VirtioBlkStatus.Ok, result.Status);
        Assert.False(result.StatusWritten);
        Assert.Equal(DmaStatus.Fault, result.StatusDma);
        Assert.Equal(512u, result.UsedLength);
    }

    [Fact]
    public void Process_StatusTranslationUnansweredAFewTimes_WrittenOnALaterTry()
    {
        // The data's miss went unanswered (IOERR), and so did the status byte's, twice: the byte still
        // gets written, else the driver would read its old value (OK) and take the write for done.
        _memory.Fail(DataAt, 512, DmaStatus.Unanswered, AccessKind.Read);
        _memory.Fail(StatusAt, 1, DmaStatus.Unanswered, AccessKind.Write, times: 2);

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Out, 0), new(DataAt, 512, false), Status()]);

        Assert.True(result.StatusWritten);
        Assert.Equal(1, StatusByte); // IOERR
        Assert.Equal(1u, result.UsedLength);
        Assert.Equal(0, _store.Accesses);
    }

    [Fact]
    public void Process_StatusTranslationNeverAnswered_ReportedUnansweredAfterEveryTry()
    {
        _memory.Fail(StatusAt, 1, DmaStatus.Unanswered, AccessKind.Write);

        var result = _device.Process(_memory, [Header(VirtioBlkRequestType.Out, 0), new(DataAt, 512, false), Status()]);

        Assert.False(result.StatusWritten);
        Assert.Equal(DmaStatus.Unanswered, result.StatusDma);
        Assert.Equal(StatusAt, result.StatusAddress);
        Assert.Equal(0xff, StatusByte);
        Assert.Equal(VirtioBlkRequestProcessor.StatusWriteAttempts + 1, _memory.ControlAccesses); // header + each try
    }

    [Fact]
    public void Process_HeaderAndStatus_UseControlDmaAndDataUsesPayload()
    {
        _device.Process(_memory, [Header(VirtioBlkRequestType.Flush, 0), Status()]);

        Assert.Equal(0, _memory.PayloadAccesses);
        Assert.Equal(2, _memory.ControlAccesses);
    }

    [Fact]
    public void CompleteBadChain_PrefixWithWritableBuffer_IoErrInItsLastByte()
    {
        var result = VirtioBlkRequestProcessor.CompleteBadChain(_memory, [Header(VirtioBlkRequestType.In, 0), new(DataAt, 512, true)]);

        Assert.Equal(RequestOutcome.BadChain, result.Outcome);
        Assert.Equal(1, _memory.Memory[DataAt + 511]);
        Assert.Equal(1u, result.UsedLength);
    }

    [Fact]
    public void Ctor_SerialLongerThan20Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => new VirtioBlkRequestProcessor(_store, new string('x', 21)));

    [Fact]
    public void CapacitySectors_FromStoreLength() =>
        Assert.Equal((ulong)Sectors, _device.CapacitySectors);
}
