using System.Buffers.Binary;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Virtio;

/// <summary>
/// The device side of one split virtqueue (VIRTIO 1.2 section 2.7), over an <see cref="IDmaSpace"/>:
/// every ring access is a Control DMA at an IOVA, and any DMA failure is a value. A ring that cannot be
/// read or written puts the queue in a sticky <see cref="Error"/>; it never throws for what the guest
/// wrote. Not thread-safe: one queue thread owns it. The hot path allocates nothing.
/// <code>
/// Ring layout, little-endian (VIRTIO_F_VERSION_1), Q = queue size:
///   descriptor table  Q x { le64 addr; le32 len; le16 flags; le16 next }            16·Q bytes
///   avail ring        le16 flags; le16 idx; le16 ring[Q]; le16 used_event             6 + 2·Q bytes
///   used ring         le16 flags; le16 idx; { le32 id; le32 len } ring[Q];
///                     le16 avail_event                                                6 + 8·Q bytes
/// </code>
/// </summary>
public sealed partial class SplitVirtqueue
{
    /// <summary>Largest split queue the spec allows.</summary>
    public const int MaxSize = 32768;

    /// <summary>used.len is 32 bits, so a chain may describe at most this many bytes by default.</summary>
    public const ulong DefaultMaxChainBytes = uint.MaxValue;

    private readonly IDmaSpace _dma;
    private readonly bool _eventIdx;
    private ushort _nextAvail;
    private ushort _shadowAvail;
    private ushort _usedIdx;
    private ushort _signalledUsed;
    private bool _signalledUsedValid;
    private ushort _availEvent;
    private bool _availEventValid;
    private QueueError _error;

    /// <param name="dma">Guest memory as the device sees it.</param>
    /// <param name="size">Queue size from VHOST_USER_SET_VRING_NUM: a power of two, at most 32768 (check with <see cref="IsValidSize"/>).</param>
    /// <param name="descTable">IOVA of the descriptor table.</param>
    /// <param name="availRing">IOVA of the available ring.</param>
    /// <param name="usedRing">IOVA of the used ring.</param>
    /// <param name="nextAvail">VHOST_USER_SET_VRING_BASE. The used index starts there too (as rust-vmm's
    /// vhost-user-backend does): this device completes every request before it pops the next one, so at
    /// a stop both indices are equal.</param>
    /// <param name="eventIdx">VIRTIO_RING_F_EVENT_IDX was negotiated.</param>
    /// <param name="maxChainBytes">Bound on the bytes one chain may describe.</param>
    /// <exception cref="ArgumentOutOfRangeException">size is not a valid split queue size.</exception>
    public SplitVirtqueue(
        IDmaSpace dma, ushort size, ulong descTable, ulong availRing, ulong usedRing,
        ushort nextAvail, bool eventIdx, ulong maxChainBytes = DefaultMaxChainBytes)
    {
        ArgumentNullException.ThrowIfNull(dma);
        if (!IsValidSize(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "queue size must be a power of two between 1 and 32768");
        }

        _dma = dma;
        Size = size;
        DescTable = descTable;
        AvailRing = availRing;
        UsedRing = usedRing;
        _eventIdx = eventIdx;
        MaxChainBytes = maxChainBytes;
        _nextAvail = _shadowAvail = _usedIdx = _signalledUsed = nextAvail;

        if (Wraps(descTable, 16UL * size))
        {
            _error = new QueueError(QueueErrorKind.RingAddressWraps, descTable);
        }
        else if (Wraps(availRing, 6UL + 2UL * size))
        {
            _error = new QueueError(QueueErrorKind.RingAddressWraps, availRing);
        }
        else if (Wraps(usedRing, 6UL + 8UL * size))
        {
            _error = new QueueError(QueueErrorKind.RingAddressWraps, usedRing);
        }
    }

    public static bool IsValidSize(int size) => size is > 0 and <= MaxSize && (size & (size - 1)) == 0;

    public ushort Size { get; }
    public ulong DescTable { get; }
    public ulong AvailRing { get; }
    public ulong UsedRing { get; }
    public bool EventIdx => _eventIdx;
    public ulong MaxChainBytes { get; }

    /// <summary>The DMA space the rings are read through (request payloads use the same one).</summary>
    public IDmaSpace Dma => _dma;

    /// <summary>Next avail ring slot to consume: what VHOST_USER_GET_VRING_BASE returns.</summary>
    public ushort NextAvail => _nextAvail;

    /// <summary>The used index last published.</summary>
    public ushort NextUsed => _usedIdx;

    public QueueError Error => _error;

    public bool IsFaulted => !_error.IsNone;

    /// <summary>
    /// Takes the next available head. False with <see cref="QueueError.None"/> when the ring is empty,
    /// false with an error when the queue is (or just became) faulted.
    /// </summary>
    public bool TryPopAvailable(out ushort head, out QueueError error)
    {
        head = 0;
        // Only look at the driver's idx when the heads seen last time are used up.
        if (_shadowAvail == _nextAvail && RefreshAvailIdx() && _shadowAvail == _nextAvail && _eventIdx)
        {
            RearmAvailEvent();
        }

        if (!_error.IsNone || _shadowAvail == _nextAvail)
        {
            error = _error;
            return false;
        }

        var slot = AvailRing + 4 + 2UL * (uint)(_nextAvail & (Size - 1));
        var status = ReadU16(slot, out var entry);
        if (status != DmaStatus.Ok)
        {
            error = Fail(QueueErrorKind.AvailRingUnreadable, slot, status);
            return false;
        }
        if (entry >= Size)
        {
            error = Fail(QueueErrorKind.HeadOutOfRange, AvailRing, value: entry);
            return false;
        }
        _nextAvail++;
        head = entry;
        error = QueueError.None;
        return true;
    }

    /// <summary>
    /// Stops the queue because the device cannot complete head <paramref name="head"/> truthfully: its status
    /// byte at <paramref name="address"/> could not be written. The head stays popped and unpublished, so
    /// <see cref="NextUsed"/> still names it (a restart fetches it again).
    /// </summary>
    public QueueError FaultStatusUnwritable(ushort head, ulong address, DmaStatus dma) =>
        Fail(QueueErrorKind.StatusUnwritable, address, dma, head);

    /// <summary>
    /// Publishes one completed chain: the used element, then (after a release fence) used->idx.
    /// False if the queue is faulted or the used ring cannot be written (the queue then faults).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">head is not below the queue size (heads come from <see cref="TryPopAvailable"/>).</exception>
    public bool PushUsed(ushort head, uint writtenLength)
    {
        if (head >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(head), head, "head beyond the queue");
        }

        if (!_error.IsNone)
        {
            return false;
        }

        Span<byte> element = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(element, head);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], writtenLength);
        var slot = UsedRing + 4 + 8UL * (uint)(_usedIdx & (Size - 1));
        var status = _dma.Write(slot, element, DmaPurpose.Control);
        if (status != DmaStatus.Ok)
        {
            Fail(QueueErrorKind.UsedRingUnwritable, slot, status);
            return false;
        }

        // The driver reads used->idx and then the element: the element must be visible first.
        Interlocked.MemoryBarrier();
        var next = (ushort)(_usedIdx + 1);
        if (!TryWriteU16(UsedRing + 2, next, out status))
        {
            Fail(QueueErrorKind.UsedRingUnwritable, UsedRing + 2, status);
            return false;
        }
        _usedIdx = next;
        return true;
    }

    /// <summary>
    /// Whether the driver wants an interrupt for the used entries published since the last call:
    /// used_event with EVENT_IDX, VRING_AVAIL_F_NO_INTERRUPT without. False when nothing was published.
    /// When the answer cannot be read, true: a spurious interrupt is harmless, a missing one hangs the guest.
    /// </summary>
    public bool ShouldNotify()
    {
        var old = _signalledUsed;
        var valid = _signalledUsedValid;
        if (old == _usedIdx)
        {
            return false;
        }

        _signalledUsed = _usedIdx;
        _signalledUsedValid = true;

        // Our used->idx store must be visible before we load the driver's suppression state, or we
        // could miss a driver that re-enabled interrupts in between (a store-load ordering: full fence).
        Interlocked.MemoryBarrier();
        if (!_eventIdx)
        {
            var flagsStatus = ReadU16(AvailRing, out var flags);
            if (flagsStatus != DmaStatus.Ok)
            {
                Fail(QueueErrorKind.AvailRingUnreadable, AvailRing, flagsStatus);
                return true;
            }
            return ((VringAvailFlags)flags & VringAvailFlags.NoInterrupt) == 0;
        }

        var usedEventAddress = AvailRing + 4 + 2UL * Size;
        var status = ReadU16(usedEventAddress, out var usedEvent);
        if (status != DmaStatus.Ok)
        {
            Fail(QueueErrorKind.AvailRingUnreadable, usedEventAddress, status);
            return true;
        }
        // vring_need_event: notify iff used_event lies in [old, new). The first notification after
        // a start is unconditional (as QEMU does): we do not know what the driver saw before.
        return !valid || (ushort)(_usedIdx - usedEvent - 1) < (ushort)(_usedIdx - old);
    }

    private bool RefreshAvailIdx()
    {
        if (!_error.IsNone)
        {
            return false;
        }

        var address = AvailRing + 2;
        var status = ReadU16(address, out var idx);
        if (status != DmaStatus.Ok)
        {
            Fail(QueueErrorKind.AvailRingUnreadable, address, status);
            return false;
        }
        // Acquire: the ring entries the driver wrote before bumping idx must be read after idx.
        Interlocked.MemoryBarrier();
        if ((ushort)(idx - _nextAvail) > Size)
        {
            Fail(QueueErrorKind.BogusAvailIndex, AvailRing, value: idx);
            return false;
        }
        _shadowAvail = idx;
        return true;
    }

    /// <summary>
    /// With EVENT_IDX the driver kicks only when avail->idx passes avail_event. Before going idle, set it
    /// to the next slot we want and look once more, so a buffer added just before the write still gets seen.
    /// avail_event is only written when we find the ring empty: while we are busy the driver need not kick.
    /// </summary>
    private void RearmAvailEvent()
    {
        if (_availEventValid && _availEvent == _nextAvail)
        {
            return;
        }

        var address = UsedRing + 4 + 8UL * Size;
        if (!TryWriteU16(address, _nextAvail, out var status))
        {
            Fail(QueueErrorKind.AvailEventUnwritable, address, status);
            return;
        }
        _availEvent = _nextAvail;
        _availEventValid = true;
        Interlocked.MemoryBarrier();
        RefreshAvailIdx();
    }

    private QueueError Fail(QueueErrorKind kind, ulong address, DmaStatus dma = DmaStatus.Fault, ulong value = 0)
    {
        if (_error.IsNone)
        {
            _error = new QueueError(kind, address, dma, value);
        }

        return _error;
    }

    private DmaStatus ReadU16(ulong address, out ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        var status = _dma.Read(address, bytes, DmaPurpose.Control);
        value = status == DmaStatus.Ok ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : (ushort)0;
        return status;
    }

    private bool TryWriteU16(ulong address, ushort value, out DmaStatus status)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        status = _dma.Write(address, bytes, DmaPurpose.Control);
        return status == DmaStatus.Ok;
    }

    private static bool Wraps(ulong address, ulong length) => length - 1 > ulong.MaxValue - address;
}
