using System.Buffers.Binary;
using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HilBridge.Live.Tests.Device;

/// <summary>
/// Plays QEMU's part against a real <see cref="VhostBlkBridge"/> over a UNIX socket: memfd guest
/// memory, one split ring, IOTLB updates. IOVA, guest-physical and QEMU user addresses all differ,
/// so a translation that mixes them up shows.
/// </summary>
internal sealed class FrontendHarness : IDisposable
{
    public const ulong MemorySize = 1 << 20;
    public const ulong Gpa = 0x4000_0000;
    public const ulong UserBase = 0x7f00_0000_0000;
    public const ulong IovaBase = 0x1_0000_0000;
    public const ushort QueueSize = 16;
    public const ulong DescOffset = 0x0, AvailOffset = 0x1000, UsedOffset = 0x2000, HeaderOffset = 0x3000, DataOffset = 0x4000, StatusOffset = 0x8000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hb-harness-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly OwnedFd _memfd;
    private ushort _availIdx;
    private ushort _usedSeen;

    /// <param name="time">The engine's clock: a fake one makes its timeouts fire exactly when the test advances it.</param>
    public FrontendHarness(EngineOptions? engine = null, bool preMap = true, TimeProvider? time = null)
    {
        Directory.CreateDirectory(_dir);
        DiskPath = Path.Combine(_dir, "disk.img");
        Bridge = new VhostBlkBridge(new BridgeOptions { DiskImage = DiskPath, DiskSizeBytes = 1 << 20, Engine = engine ?? new EngineOptions(), MissTimeout = TimeSpan.FromSeconds(2) },
            NullLoggerFactory.Instance, time ?? TimeProvider.System);
        Bridge.Start(Path.Combine(_dir, "vhost.sock"));
        _memfd = SharedMemory.CreateMemfd("guest", MemorySize);
        Memory = MemoryMapping.Map(_memfd, MemorySize);
        Frontend = Connect(preMap);
    }

    public VhostBlkBridge Bridge { get; }
    public VhostUserFrontend Frontend { get; private set; }
    public MemoryMapping Memory { get; }
    public string DiskPath { get; }
    public EventFd Kick { get; private set; } = null!;
    public EventFd Call { get; private set; } = null!;

    public Span<byte> Guest(ulong offset, int length) => Memory.GetSpan(offset, length);

    /// <summary>
    /// A fresh front-end connection with the full QEMU 7.2 start sequence; with preMap, one IOTLB
    /// UPDATE covers all of guest memory before the ring starts (else every page is a miss).
    /// </summary>
    public VhostUserFrontend Connect(bool preMap = true)
    {
        // A fresh ring before the device may look at it: an enabled ring is scanned at once.
        Guest(0, (int)HeaderOffset).Clear();
        _availIdx = 0;
        _usedSeen = 0;
        Kick?.Dispose();
        Call?.Dispose();
        var f = VhostUserFrontend.Connect(Path.Combine(_dir, "vhost.sock"));
        var features = f.GetFeatures();
        Assert.NotEqual(0UL, features & VirtioFeatures.AccessPlatform);
        f.SetProtocolFeatures(VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq | VhostUserProtocolFeatures.Config | VhostUserProtocolFeatures.Mq);
        Assert.Equal(0UL, f.SetBackendReqFd(needReply: true));
        f.SetOwner();
        Assert.Equal(0UL, f.SetFeatures(features, needReply: true));
        Assert.Equal(0UL, f.SetMemTable([new MemoryRegionDescription(Gpa, MemorySize, UserBase, 0)], [_memfd], needReply: true));
        Assert.Equal(0UL, f.SetVringNum(0, QueueSize, needReply: true));
        Assert.Equal(0UL, f.SetVringBase(0, 0, needReply: true));
        Assert.Equal(0UL, f.SetVringAddr(new VringAddress(0, 0, IovaBase + DescOffset, IovaBase + UsedOffset, IovaBase + AvailOffset, 0), needReply: true));
        if (preMap)
        {
            Assert.Equal(0UL, f.IotlbUpdate(IovaBase, MemorySize, UserBase, IotlbPermission.ReadWrite));
        }

        Kick = EventFd.Create();
        Call = EventFd.Create();
        Assert.Equal(0UL, f.SetVringCall(0, Call.Handle, needReply: true));
        Assert.Equal(0UL, f.SetVringKick(0, Kick.Handle, needReply: true));
        Assert.Equal(0UL, f.SetVringEnable(0, true, needReply: true));
        Frontend = f;
        return f;
    }

    /// <summary>
    /// Submits a virtio-blk request (header, data, status) and returns its status byte (null: no completion).
    /// With <paramref name="answerAfter"/>, misses are held back until that many have arrived, then all answered
    /// (a device that waits for each answer before asking the next never gets one).
    /// </summary>
    public byte? Submit(uint type, ulong sector, int dataLength, ulong? dataIova = null, Action<ulong>? onMiss = null, int answerAfter = 1)
    {
        var header = Guest(HeaderOffset, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        Guest(StatusOffset, 1)[0] = 0xff;
        var deviceWrites = type == 0;
        WriteDescriptor(0, IovaBase + HeaderOffset, 16, next: 1, write: false);
        WriteDescriptor(1, dataIova ?? IovaBase + DataOffset, (uint)dataLength, next: 2, write: deviceWrites);
        WriteDescriptor(2, IovaBase + StatusOffset, 1, next: null, write: true);
        var avail = Guest(AvailOffset, 4 + 2 * QueueSize);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[(4 + 2 * (_availIdx % QueueSize))..], 0);
        Interlocked.MemoryBarrier();
        BinaryPrimitives.WriteUInt16LittleEndian(avail[2..], ++_availIdx);
        Kick.Signal();
        var deadline = Environment.TickCount64 + 5000;
        var held = new List<ulong>();
        while (Environment.TickCount64 < deadline)
        {
            // Serve misses the way QEMU does: a MISS on the backend channel, an UPDATE on the main one.
            if (Frontend.TryReceiveBackendMessage(20, out _, out var miss))
            {
                onMiss?.Invoke(miss.Iova);
                held.Add(miss.Iova & ~0xfffUL);
                if (held.Count >= answerAfter)
                {
                    foreach (var page in held.Where(p => p - IovaBase < MemorySize))
                    {
                        Frontend.IotlbUpdate(page, 0x1000, UserBase + (page - IovaBase), IotlbPermission.ReadWrite);
                    }

                    held.Clear();
                    answerAfter = 1;
                }
            }
            if (Call.TryConsume(out _) || UsedIndex != _usedSeen)
            {
                if (UsedIndex == _usedSeen)
                {
                    continue;
                }

                _usedSeen = UsedIndex;
                return Guest(StatusOffset, 1)[0];
            }
        }
        return null;
    }

    /// <summary>
    /// Sends an IOTLB INVALIDATE from another thread (QEMU blocks until the reply) and returns once the
    /// engine holds it, so the test can move the engine's clock while the front-end waits.
    /// </summary>
    public Task<ulong> InvalidateInBackground(ulong iova, ulong size)
    {
        var before = Bridge.Statistics().Engine.Invalidations;
        var reply = Task.Run(() => Frontend.IotlbInvalidate(iova, size));
        // A bound on a hang, not a measurement: the engine sees the message within milliseconds.
        var deadline = Environment.TickCount64 + 10_000;
        while (Bridge.Statistics().Engine.Invalidations == before && !reply.IsCompleted && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }

        Assert.True(Bridge.Statistics().Engine.Invalidations > before, "the bridge never received the invalidation");
        return reply;
    }

    public ushort UsedIndex => BinaryPrimitives.ReadUInt16LittleEndian(Guest(UsedOffset + 2, 2));

    private void WriteDescriptor(int index, ulong addr, uint length, ushort? next, bool write)
    {
        var d = Guest(DescOffset + (ulong)(16 * index), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, addr);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)((next is null ? 0 : 1) | (write ? 2 : 0)));
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next ?? 0);
    }

    public byte[] ReadDisk(long offset, int length)
    {
        using var f = new FileStream(DiskPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[length];
        f.Position = offset;
        f.ReadExactly(buffer);
        return buffer;
    }

    public void Dispose()
    {
        Frontend.Dispose();
        Kick.Dispose();
        Call.Dispose();
        Bridge.Dispose();
        Memory.Dispose();
        _memfd.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
