using System.Buffers.Binary;
using System.Text;
using HilBridge.Core.Dma;
using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>
/// The virtio-blk request model (VIRTIO 1.2 5.2.6): one descriptor chain in, one status byte out.
/// <code>
/// device-readable stream:  le32 type | le32 reserved | le64 sector | data (OUT)
/// device-writable stream:  data (IN, GET_ID) | u8 status
/// </code>
/// Header and status are Control DMA (they stay reachable while payload is fenced, so a fenced device
/// still completes with IOERR); data is Payload DMA. Data moves through one scratch buffer in
/// chunks, so any request size works without per-request allocation. Nothing the guest writes makes
/// it throw. Not thread-safe (the scratch buffer is shared): one instance per queue thread.
/// </summary>
public sealed class VirtioBlkRequestProcessor
{
    public const int SectorSize = 512;
    public const int HeaderSize = 16;

    /// <summary>VIRTIO_BLK_ID_BYTES.</summary>
    public const int IdBytes = 20;

    public const int DefaultScratchBytes = 128 * 1024;

    /// <summary>
    /// Tries at writing the status byte while its translation goes unanswered (each costs the host's miss
    /// timeout, 2 s or more live). The byte must not be given up lightly: a driver such as Linux's reads
    /// it without checking the used length, so a completion without it reads as whatever the byte held,
    /// usually the OK of the request that used the slot before: a failed write taken for a written one.
    /// </summary>
    public const int StatusWriteAttempts = 16;

    private readonly IBlockStore _store;
    private readonly byte[] _id = new byte[IdBytes];
    private readonly byte[] _scratch;

    /// <param name="store">The medium.</param>
    /// <param name="serial">GET_ID answer, at most 20 bytes of UTF-8 (NUL-padded); none gives 20 zero bytes.</param>
    /// <param name="scratchBytes">Chunk size for data transfers.</param>
    /// <exception cref="ArgumentException">The serial is longer than 20 bytes.</exception>
    public VirtioBlkRequestProcessor(IBlockStore store, string? serial = null, int scratchBytes = DefaultScratchBytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(scratchBytes, 1);
        if (serial is not null)
        {
            if (Encoding.UTF8.GetByteCount(serial) > IdBytes)
            {
                throw new ArgumentException($"the device id is at most {IdBytes} bytes of UTF-8", nameof(serial));
            }

            Encoding.UTF8.GetBytes(serial, _id);
        }
        _store = store;
        _scratch = new byte[scratchBytes];
    }

    /// <summary>Capacity in 512-byte sectors, as the config space reports it.</summary>
    public ulong CapacitySectors => (ulong)_store.Length / SectorSize;

    /// <summary>Serves one request whose chain <see cref="SplitVirtqueue.ReadChain"/> walked successfully.</summary>
    public RequestResult Process(IDmaSpace dma, List<DescriptorSegment> chain)
    {
        ArgumentNullException.ThrowIfNull(dma);
        ArgumentNullException.ThrowIfNull(chain);
        var shape = ChainShape.Of(chain);
        if (!shape.HasStatus)
        {
            return WithoutStatus(RequestOutcome.BadChain);
        }

        if (shape.Readable < HeaderSize)
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.BadChain, default);
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        var status = ReadStream(dma, chain, 0, header, DmaPurpose.Control);
        if (status != DmaStatus.Ok)
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, Outcome(status), default);
        }

        var request = new Request(
            (VirtioBlkRequestType)BinaryPrimitives.ReadUInt32LittleEndian(header),
            BinaryPrimitives.ReadUInt64LittleEndian(header[8..]));
        return request.Type switch
        {
            VirtioBlkRequestType.In => ReadSectors(dma, chain, shape, request),
            VirtioBlkRequestType.Out => WriteSectors(dma, chain, shape, request),
            VirtioBlkRequestType.Flush => Flush(dma, shape, request),
            VirtioBlkRequestType.GetId => GetId(dma, chain, shape, request),
            _ => Finish(dma, shape, VirtioBlkStatus.Unsupp, RequestOutcome.Unsupported, request),
        };
    }

    /// <summary>
    /// Completes a chain the ring walk rejected, from the buffers read before the bad descriptor:
    /// IOERR into the last device-writable byte if there is one, otherwise nothing (used length 0).
    /// That byte may not be the driver's real status byte, but it is the best the device can know.
    /// </summary>
    public static RequestResult CompleteBadChain(IDmaSpace dma, List<DescriptorSegment> partialChain)
    {
        ArgumentNullException.ThrowIfNull(dma);
        ArgumentNullException.ThrowIfNull(partialChain);
        var shape = ChainShape.Of(partialChain);
        return shape.HasStatus
            ? Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.BadChain, default)
            : WithoutStatus(RequestOutcome.BadChain);
    }

    private RequestResult ReadSectors(IDmaSpace dma, List<DescriptorSegment> chain, ChainShape shape, Request request)
    {
        var length = shape.Writable - 1;
        if (shape.Readable != HeaderSize)
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.WrongDirection, request);
        }

        if (!TryCheckRange(request.Sector, length, out var outcome))
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, outcome, request);
        }

        var offset = (long)(request.Sector * SectorSize);
        var range = new ChainRange(chain, writable: true, 0, length);
        ulong done = 0;
        while (range.TryNext(out var address, out var pieceLength))
        {
            while (pieceLength > 0)
            {
                var chunk = _scratch.AsSpan(0, (int)Math.Min(pieceLength, (ulong)_scratch.Length));
                if (!_store.TryRead(offset + (long)done, chunk))
                {
                    return Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.StoreError, request, toGuest: done, read: done);
                }

                var status = dma.Write(address, chunk, DmaPurpose.Payload);
                if (status != DmaStatus.Ok)
                {
                    return Finish(dma, shape, VirtioBlkStatus.IoErr, Outcome(status), request, toGuest: done, read: done);
                }

                address += (ulong)chunk.Length;
                pieceLength -= (ulong)chunk.Length;
                done += (ulong)chunk.Length;
            }
        }
        return Finish(dma, shape, VirtioBlkStatus.Ok, RequestOutcome.Ok, request, toGuest: done, read: done);
    }

    private RequestResult WriteSectors(IDmaSpace dma, List<DescriptorSegment> chain, ChainShape shape, Request request)
    {
        var length = shape.Readable - HeaderSize;
        if (shape.Writable != 1)
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.WrongDirection, request);
        }

        if (!TryCheckRange(request.Sector, length, out var outcome))
        {
            return Finish(dma, shape, VirtioBlkStatus.IoErr, outcome, request);
        }

        var offset = (long)(request.Sector * SectorSize);
        var range = new ChainRange(chain, writable: false, HeaderSize, length);
        ulong done = 0;
        while (range.TryNext(out var address, out var pieceLength))
        {
            while (pieceLength > 0)
            {
                var chunk = _scratch.AsSpan(0, (int)Math.Min(pieceLength, (ulong)_scratch.Length));
                var status = dma.Read(address, chunk, DmaPurpose.Payload);
                if (status != DmaStatus.Ok)
                {
                    return Finish(dma, shape, VirtioBlkStatus.IoErr, Outcome(status), request, written: done);
                }

                if (!_store.TryWrite(offset + (long)done, chunk))
                {
                    return Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.StoreError, request, written: done);
                }

                address += (ulong)chunk.Length;
                pieceLength -= (ulong)chunk.Length;
                done += (ulong)chunk.Length;
            }
        }
        return Finish(dma, shape, VirtioBlkStatus.Ok, RequestOutcome.Ok, request, written: done);
    }

    private RequestResult Flush(IDmaSpace dma, ChainShape shape, Request request) =>
        _store.TryFlush()
            ? Finish(dma, shape, VirtioBlkStatus.Ok, RequestOutcome.Ok, request)
            : Finish(dma, shape, VirtioBlkStatus.IoErr, RequestOutcome.StoreError, request);

    private RequestResult GetId(IDmaSpace dma, List<DescriptorSegment> chain, ChainShape shape, Request request)
    {
        // The driver supplies 20 bytes; a shorter buffer gets a prefix, as QEMU does.
        var length = (int)Math.Min(shape.Writable - 1, IdBytes);
        var range = new ChainRange(chain, writable: true, 0, (ulong)length);
        var done = 0;
        while (range.TryNext(out var address, out var pieceLength))
        {
            var piece = _id.AsSpan(done, (int)pieceLength);
            var status = dma.Write(address, piece, DmaPurpose.Payload);
            if (status != DmaStatus.Ok)
            {
                return Finish(dma, shape, VirtioBlkStatus.IoErr, Outcome(status), request, toGuest: (ulong)done);
            }

            done += piece.Length;
        }
        return Finish(dma, shape, VirtioBlkStatus.Ok, RequestOutcome.Ok, request, toGuest: (ulong)done);
    }

    /// <summary>Whole sectors, inside the disk; checked without overflow before the store is touched.</summary>
    private bool TryCheckRange(ulong sector, ulong length, out RequestOutcome outcome)
    {
        var capacity = CapacitySectors;
        if (length % SectorSize != 0)
        {
            outcome = RequestOutcome.BadLength;
        }
        else if (sector > capacity || length / SectorSize > capacity - sector)
        {
            outcome = RequestOutcome.OutOfRange;
        }
        else
        {
            outcome = RequestOutcome.Ok;
        }

        return outcome == RequestOutcome.Ok;
    }

    private static DmaStatus ReadStream(IDmaSpace dma, List<DescriptorSegment> chain, ulong start, Span<byte> destination, DmaPurpose purpose)
    {
        var range = new ChainRange(chain, writable: false, start, (ulong)destination.Length);
        var done = 0;
        while (range.TryNext(out var address, out var length))
        {
            var status = dma.Read(address, destination.Slice(done, (int)length), purpose);
            if (status != DmaStatus.Ok)
            {
                return status;
            }

            done += (int)length;
        }
        return done == destination.Length ? DmaStatus.Ok : DmaStatus.Fault;
    }

    private static RequestResult Finish(
        IDmaSpace dma, ChainShape shape, VirtioBlkStatus status, RequestOutcome outcome, Request request,
        ulong toGuest = 0, ulong read = 0, ulong written = 0)
    {
        Span<byte> statusByte = stackalloc byte[1];
        statusByte[0] = (byte)status;
        var statusDma = dma.Write(shape.StatusAddress, statusByte, DmaPurpose.Control);
        for (var attempt = 1; statusDma == DmaStatus.Unanswered && attempt < StatusWriteAttempts; attempt++)
        {
            statusDma = dma.Write(shape.StatusAddress, statusByte, DmaPurpose.Control);
        }

        var used = toGuest + (statusDma == DmaStatus.Ok ? 1UL : 0UL);
        return new RequestResult(
            status, outcome, (uint)Math.Min(used, uint.MaxValue), statusDma == DmaStatus.Ok, statusDma,
            request.Type, request.Sector, read, written, shape.StatusAddress);
    }

    private static RequestResult WithoutStatus(RequestOutcome outcome) =>
        new(VirtioBlkStatus.IoErr, outcome, 0, false, DmaStatus.Fault, VirtioBlkRequestType.In, 0, 0, 0);

    private static RequestOutcome Outcome(DmaStatus status) => status switch
    {
        DmaStatus.Fenced => RequestOutcome.DmaFenced,
        DmaStatus.Aborted => RequestOutcome.DmaAborted,
        _ => RequestOutcome.DmaFault,
    };

    private readonly record struct Request(VirtioBlkRequestType Type, ulong Sector);
}
