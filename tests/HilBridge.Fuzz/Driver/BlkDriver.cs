using System.Buffers.Binary;
using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Fuzz.Driver;

/// <summary>
/// QEMU and a guest virtio-blk driver in one, against a bridge's socket: memfd guest RAM behind an
/// IOMMU (IOVA, guest-physical and QEMU addresses all differ), one split ring, requests of
/// [header, data, status] in fixed slots, IOTLB misses answered as QEMU answers them. It keeps its
/// memory, ring and inflight area across connections, so it can play QEMU reconnecting to a
/// restarted bridge. Used by the fuzzer's health check and the reliability tests.
/// </summary>
public sealed class BlkDriver : IDisposable
{
    public const ulong MemorySize = 1 << 20;
    public const ulong Gpa = 0x4000_0000;
    public const ulong UserBase = 0x7f00_0000_0000;
    public const ulong IovaBase = 0x1_0000_0000;
    public const ushort QueueSize = 64;
    public const int Slots = QueueSize / 3;
    public const int SlotBytes = 0x3000;

    private const ulong DescOff = 0, AvailOff = 0x1000, UsedOff = 0x2000, HeaderOff = 0x3000, StatusOff = 0x3800, DataOff = 0x10000;

    private readonly OwnedFd _memfd;
    private readonly MemoryMapping _memory;
    private readonly bool _useInflight;
    private readonly bool _preMap;
    private OwnedFd? _inflightFd;
    private InflightDescription _inflight;
    private ushort _availIdx;

    private BlkDriver(bool useInflight, bool preMap, bool sealMemory)
    {
        _useInflight = useInflight;
        _preMap = preMap;
        _memfd = SharedMemory.CreateMemfd("blk-driver", MemorySize, sealMemory);
        _memory = MemoryMapping.Map(_memfd, MemorySize);
    }

    public VhostUserFrontend Frontend { get; private set; } = null!;

    public EventFd Kick { get; private set; } = null!;

    public EventFd Call { get; private set; } = null!;

    /// <summary>The inflight area the back-end handed out, once it did.</summary>
    public bool HasInflightArea => _inflightFd is not null;

    public ushort UsedIndex => BinaryPrimitives.ReadUInt16LittleEndian(Guest(UsedOff + 2, 2));

    public ushort AvailIndex => _availIdx;

    /// <summary>Connects and starts the device the way QEMU 7.2 does (vhost_dev_init, then vhost_user_blk_start).</summary>
    /// <param name="preMap">Push one IOTLB update for all memory up front; otherwise every page waits for a miss.</param>
    /// <param name="sealMemory">Seal guest memory against resizing, as QEMU's memory-backend-memfd does; false plays a hostile front-end.</param>
    public static BlkDriver Connect(string socketPath, bool useInflight = true, bool preMap = true, bool sealMemory = true)
    {
        var driver = new BlkDriver(useInflight, preMap, sealMemory);
        try
        {
            driver.Start(socketPath, ringBase: 0);
            return driver;
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What QEMU does when the back-end went away and came back (chardev reconnect): a new connection,
    /// the same guest memory, ring and inflight area, and SET_VRING_BASE from the used index (QEMU's
    /// GET_VRING_BASE failed on the dead connection). <paramref name="ringBase"/> overrides that value.
    /// </summary>
    public void Reconnect(string socketPath, ushort? ringBase = null)
    {
        Disconnect();
        Start(socketPath, ringBase ?? UsedIndex);
    }

    /// <summary>Drops the connection abruptly (as QEMU being killed would).</summary>
    public void Disconnect()
    {
        Frontend?.Dispose();
        Kick?.Dispose();
        Call?.Dispose();
    }

    /// <summary>Puts request [header, data, status] in slot <paramref name="slot"/> on the ring and kicks. Returns its data buffer.</summary>
    public Span<byte> Submit(int slot, uint type, ulong sector, int length, ReadOnlySpan<byte> data = default, bool kick = true)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotBytes);
        var header = Guest(HeaderOff + 16UL * (ulong)slot, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        var buffer = Guest(DataOff + (ulong)(slot * SlotBytes), length);
        if (!data.IsEmpty)
        {
            data.CopyTo(buffer);
        }

        Guest(StatusOff + (ulong)slot, 1)[0] = 0xff;
        var head = (ushort)(3 * slot);
        var toDevice = type != 0 && type != 8;
        WriteDescriptor(head, IovaBase + HeaderOff + 16UL * (ulong)slot, 16, (ushort)(head + 1), write: false);
        WriteDescriptor(head + 1, IovaBase + DataOff + (ulong)(slot * SlotBytes), (uint)length, (ushort)(head + 2), write: !toDevice);
        WriteDescriptor(head + 2, IovaBase + StatusOff + (ulong)slot, 1, null, write: true);
        var avail = Guest(AvailOff, 4 + 2 * QueueSize);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[(4 + 2 * (_availIdx % QueueSize))..], head);
        Interlocked.MemoryBarrier();
        BinaryPrimitives.WriteUInt16LittleEndian(avail[2..], ++_availIdx);
        if (kick)
        {
            Kick.Signal();
        }

        return buffer;
    }

    /// <summary>Waits until every submitted request is used, answering IOTLB misses meanwhile. False on timeout.</summary>
    public bool WaitAll(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (UsedIndex != _availIdx)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            ServeMisses(10);
            Call.TryConsume(out _);
        }
        return true;
    }

    /// <summary>Answers the back-end's IOTLB misses for up to <paramref name="milliseconds"/>, the way QEMU does.</summary>
    public void ServeMisses(int milliseconds)
    {
        while (Frontend.TryReceiveBackendMessage(milliseconds, out var header, out var miss))
        {
            if (header.Request != (uint)VhostUserBackendRequest.IotlbMsg || miss.Type != IotlbMessageType.Miss)
            {
                continue;
            }

            var page = miss.Iova & ~0xfffUL;
            if (page - IovaBase < MemorySize)
            {
                Frontend.IotlbUpdate(page, 0x1000, UserBase + (page - IovaBase), IotlbPermission.ReadWrite);
            }

            milliseconds = 0;
        }
    }

    /// <summary>
    /// Shrinks guest memory to <paramref name="size"/> bytes under the back-end (only possible unsealed).
    /// Memory past it is gone for this driver too: touching it afterwards (the used ring, the data
    /// slots, <see cref="WaitAll"/>) raises SIGBUS here.
    /// </summary>
    public void TruncateMemory(ulong size) => SharedMemory.Resize(_memfd, size);

    public byte Status(int slot) => Guest(StatusOff + (ulong)slot, 1)[0];

    public Span<byte> Data(int slot, int length) => Guest(DataOff + (ulong)(slot * SlotBytes), length);

    /// <summary>Writes <paramref name="data"/> at <paramref name="sector"/>, one request; true when the device said OK.</summary>
    public bool WriteSectors(ulong sector, ReadOnlySpan<byte> data, TimeSpan? timeout = null)
    {
        Submit(0, 1, sector, data.Length, data);
        return WaitAll(timeout ?? TimeSpan.FromSeconds(10)) && Status(0) == 0;
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="sector"/>; null unless the device said OK.</summary>
    public byte[]? ReadSectors(ulong sector, int length, TimeSpan? timeout = null)
    {
        Data(0, length).Fill(0xee);
        Submit(0, 0, sector, length);
        return WaitAll(timeout ?? TimeSpan.FromSeconds(10)) && Status(0) == 0 ? Data(0, length).ToArray() : null;
    }

    public Span<byte> Guest(ulong offset, int length) => _memory.GetSpan(offset, length);

    public void Dispose()
    {
        Disconnect();
        _inflightFd?.Dispose();
        _memory.Dispose();
        _memfd.Dispose();
    }

    private void Start(string socketPath, ushort ringBase)
    {
        var f = VhostUserFrontend.Connect(socketPath);
        Frontend = f;
        f.ReplyTimeout = TimeSpan.FromSeconds(10);
        var features = f.GetFeatures();
        var offered = f.GetProtocolFeatures();
        var wanted = VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq | VhostUserProtocolFeatures.Config | VhostUserProtocolFeatures.Mq
            | (_useInflight ? VhostUserProtocolFeatures.InflightShmfd : 0);
        var protocol = offered & wanted;
        Check(f.SetProtocolFeatures(protocol, needReply: true), "SET_PROTOCOL_FEATURES");
        Check(f.SetBackendReqFd(needReply: true), "SET_BACKEND_REQ_FD");
        Check(f.SetOwner(needReply: true), "SET_OWNER");
        if ((protocol & VhostUserProtocolFeatures.InflightShmfd) != 0)
        {
            if (_inflightFd is null)
            {
                var (description, fd) = f.GetInflightFd(1, QueueSize);
                _inflight = description;
                _inflightFd = fd ?? throw new InvalidOperationException("GET_INFLIGHT_FD returned no fd");
            }
            Check(f.SetInflightFd(_inflight, _inflightFd, needReply: true), "SET_INFLIGHT_FD");
        }
        Check(f.SetFeatures(features, needReply: true), "SET_FEATURES");
        Check(f.SetMemTable([new MemoryRegionDescription(Gpa, MemorySize, UserBase, 0)], [_memfd], needReply: true), "SET_MEM_TABLE");
        Check(f.SetVringNum(0, QueueSize, needReply: true), "SET_VRING_NUM");
        Check(f.SetVringBase(0, ringBase, needReply: true), "SET_VRING_BASE");
        Check(f.SetVringAddr(new VringAddress(0, 0, IovaBase + DescOff, IovaBase + UsedOff, IovaBase + AvailOff, 0), needReply: true), "SET_VRING_ADDR");
        Kick = EventFd.Create();
        Call = EventFd.Create();
        Check(f.SetVringCall(0, Call.Handle, needReply: true), "SET_VRING_CALL");
        Check(f.SetVringKick(0, Kick.Handle, needReply: true), "SET_VRING_KICK");
        Check(f.SetVringEnable(0, true, needReply: true), "SET_VRING_ENABLE");
        if (_preMap)
        {
            Check(f.IotlbUpdate(IovaBase, MemorySize, UserBase, IotlbPermission.ReadWrite), "IOTLB_MSG UPDATE");
        }
    }

    private void WriteDescriptor(int index, ulong address, uint length, ushort? next, bool write)
    {
        var d = Guest(DescOff + (ulong)(16 * index), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)((next is null ? 0 : 1) | (write ? 2 : 0)));
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next ?? 0);
    }

    private static void Check(ulong status, string request)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"the back-end refused {request} (status {status})");
        }
    }
}
