using HilBridge.Core.Blk;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Core.Memory;
using HilBridge.Core.Virtio;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;
using Microsoft.Extensions.Logging;
using CoreMemoryTable = HilBridge.Core.Memory.MemoryTable;

namespace HilBridge.Live.Device;

/// <summary>
/// The vhost-user-blk back-end: binds the pure virtio-blk model and the ATS engine to a session.
/// Called on the session's read thread; ring and memory changes park the queue worker first.
/// The same instance serves successive connections (QEMU restarts or reconnects).
/// </summary>
internal sealed partial class VhostBlkDevice : IVhostUserBackend, IDisposable
{
    private readonly BridgeOptions _options;
    private readonly EngineGate _engine;
    private readonly InvalidationReplies _replies;
    private readonly VirtioBlkConfig _config;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly VringSlot[] _rings;
    private readonly QueueWorker _worker;
    private readonly List<MemoryMapping> _mappings = [];
    // Guards the mappings against unmapping while a straggler (on the engine's timer thread) writes
    // through them; the queue worker is parked instead. Never held while taking the engine lock.
    private readonly object _mappingLock = new();
    private volatile CoreMemoryTable? _memory;
    private volatile BackendChannel? _backend;
    private InflightRegion? _inflight;
    private ulong _features;
    private bool _protocolFeaturesAcked;
    private bool _running;

    public VhostBlkDevice(BridgeOptions options, IBlockStore store, EngineGate engine, InvalidationReplies replies, DeviceCounters counters, ILogger logger)
    {
        _options = options;
        _engine = engine;
        _replies = replies;
        _counters = counters;
        _logger = logger;
        _config = VirtioBlkConfig.For(store, (ushort)options.QueueCount);
        _rings = Enumerable.Range(0, options.QueueCount).Select(i => new VringSlot((uint)i)).ToArray();
        _worker = new QueueWorker(_rings, new VirtioBlkRequestProcessor(store, options.DeviceSerial), counters, logger);
    }

    public ulong DeviceFeatures =>
        VirtioBlkFeatures.Offered | VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures;

    public VhostUserProtocolFeatures ProtocolFeatures =>
        VhostUserProtocolFeatures.Mq | VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq | VhostUserProtocolFeatures.Config
        | VhostUserProtocolFeatures.InflightShmfd;

    public int MaxQueues => _rings.Length;

    private bool IommuPlatform => (_features & VirtioFeatures.AccessPlatform) != 0;

    public void SetOwner() => Interlocked.Increment(ref _counters.Sessions);

    public void ResetDevice()
    {
        using (Pause())
        {
            foreach (var ring in _rings)
            {
                ring.Reset();
            }

            _features = 0;
            ReplaceInflight(null);
        }
        MarkStopped();
    }

    public void SetFeatures(ulong features)
    {
        using (Pause())
        {
            _features = features;
        }
    }

    public void SetProtocolFeatures(VhostUserProtocolFeatures features) => _protocolFeaturesAcked = true;

    public void SetMemoryTable(IReadOnlyList<MemoryRegionDescription> regions, IReadOnlyList<OwnedFd> fds)
    {
        if (regions.Count == 0)
        {
            // Refused rather than taken as "no memory": QEMU puts only fd-backed RAM in the table, so an
            // empty one means the guest's RAM is not shared and this device could never do a DMA.
            throw new VhostUserDeviceException(
                "memory table refused: it has no regions; guest RAM must be shared with the back-end (QEMU: -object memory-backend-memfd,share=on)");
        }

        var mappings = new List<MemoryMapping>(regions.Count);
        try
        {
            var described = new MemoryRegion[regions.Count];
            for (var i = 0; i < regions.Count; i++)
            {
                var mapping = MapRegion(i, regions[i], fds[i]);
                mappings.Add(mapping);
                described[i] = new MemoryRegion(regions[i].GuestPhysicalAddress, regions[i].MemorySize, regions[i].UserspaceAddress, mapping.RegionPointer);
            }
            if (!CoreMemoryTable.TryCreate(described, out var table, out var error))
            {
                throw new VhostUserDeviceException("memory table refused: " + error.Message);
            }

            using (Pause())
            {
                lock (_mappingLock)
                {
                    DisposeMappings();
                    _mappings.AddRange(mappings);
                    _memory = table;
                }

                RebuildQueues();
            }
            mappings.Clear();
            LogMemoryTable(regions.Count, regions.Sum(r => (double)r.MemorySize) / (1 << 20));
        }
        finally
        {
            foreach (var m in mappings)
            {
                m.Dispose();
            }

            foreach (var fd in fds)
            {
                fd.Dispose(); // a mapping outlives its fd
            }
        }
    }

    /// <summary>Maps one region, or refuses the table with what was wrong (an empty, overflowing or too long region, an fd that is not memory).</summary>
    private MemoryMapping MapRegion(int index, in MemoryRegionDescription region, OwnedFd fd)
    {
        try
        {
            return MemoryMapping.MapRegion(fd, region, _options.TrustUnsealedMemory);
        }
        catch (Exception e) when (e is ArgumentException or VhostUserTransportException)
        {
            throw new VhostUserDeviceException(
                $"memory table refused: region {index} (gpa 0x{region.GuestPhysicalAddress:x} size 0x{region.MemorySize:x} offset 0x{region.MmapOffset:x}) cannot be mapped: {e.Message}", innerException: e);
        }
    }

    public void SetVringNum(uint index, uint num)
    {
        if (!SplitVirtqueue.IsValidSize((int)num))
        {
            throw new VhostUserDeviceException($"vring {index}: size {num} is not a power of two up to {SplitVirtqueue.MaxSize}");
        }

        using (Pause())
        {
            _rings[index].Size = num;
        }
    }

    public void SetVringBase(uint index, uint num)
    {
        using (Pause())
        {
            _rings[index].Base = num & 0xffff;
        }
    }

    public uint GetVringBase(uint index)
    {
        uint next;
        using (Pause())
        {
            var ring = _rings[index];
            // Requests complete in order, so everything before the used index is done and everything
            // after it is not: a request popped and then aborted by this stop must be fetched again.
            next = ring.Queue?.NextUsed ?? ring.Base;
            ring.Started = false;
            ring.Queue = null;
            ring.ReplaceKick(null);
        }
        MarkStopped();
        return next;
    }

    public void SetVringAddr(in VringAddress address)
    {
        var copy = address;
        using (Pause())
        {
            _rings[address.Index].Address = copy;
        }
    }

    public void SetVringKick(uint index, OwnedFd? fd)
    {
        using (Pause())
        {
            var ring = _rings[index];
            ring.ReplaceKick(fd is null ? null : new EventFd(fd));
            ring.Started = true;
            ring.Enabled |= !_protocolFeaturesAcked; // without PROTOCOL_FEATURES a ring starts enabled
            BuildQueue(ring);
        }
        MarkStartedIfRunning();
    }

    public void SetVringCall(uint index, OwnedFd? fd)
    {
        using (Pause())
        {
            _rings[index].ReplaceCall(fd is null ? null : new EventFd(fd));
        }
    }

    public void SetVringEnable(uint index, bool enable)
    {
        using (Pause())
        {
            _rings[index].Enabled = enable;
            _rings[index].PendingScan = enable;
        }
        MarkStartedIfRunning();
    }

    public InflightArea GetInflightFd(in InflightDescription request)
    {
        var region = InflightRegion.Create(request, _rings.Length, out var fd);
        using (Pause())
        {
            ReplaceInflight(region);
        }

        return new InflightArea(new InflightDescription(region.Size, 0, request.NumQueues, request.QueueSize), fd);
    }

    public void SetInflightFd(in InflightDescription description, OwnedFd fd)
    {
        using (fd)
        {
            var region = InflightRegion.Adopt(description, fd, _rings.Length, _options.TrustUnsealedMemory);
            using (Pause())
            {
                ReplaceInflight(region);
            }
        }
        LogInflightArea(description.NumQueues, description.QueueSize);
    }

    public int GetConfig(uint offset, Span<byte> destination) => _config.Read(offset, destination);

    public void SetConfig(uint offset, ReadOnlySpan<byte> data, ConfigFlags flags) =>
        throw new VhostUserDeviceException("virtio-blk config space is read-only here (no CONFIG_WCE)");

    public void SetBackendChannel(BackendChannel channel) => _backend = channel;

    public void OnIotlbMessage(in IotlbMessage message, DeferredReply reply)
    {
        switch (message.Type)
        {
            case IotlbMessageType.Update:
                _engine.OnIotlbUpdate(message.Iova, message.Size, message.UserAddress, (AccessKind)message.Permission);
                reply.Succeed();
                break;
            case IotlbMessageType.Invalidate:
                // Answered when the engine says the device completed (or the fence policy decided):
                // maybe now, maybe later from a timer or from the DMA thread ending an access.
                _replies.Invalidate(message.Iova, message.Size, reply);
                break;
            default:
                reply.Fail();
                break;
        }
    }

    public void OnDisconnected(string? reason)
    {
        using (Pause())
        {
            foreach (var ring in _rings)
            {
                ring.Reset();
            }

            _backend = null;
            lock (_mappingLock)
            {
                _memory = null;
                DisposeMappings();
            }

            ReplaceInflight(null); // the next connection hands the area over again
            _features = 0;
            _protocolFeaturesAcked = false;
        }
        // The front-end's translations die with it; a stop also flushes the ATC.
        _running = false;
        _engine.Apply(EngineInputKind.DeviceStopped);
        LogDisconnected(reason ?? "closed");
    }

    /// <summary>Stops all DMA for good, before the bridge drops the connection (see <see cref="QueueWorker.Halt"/>).</summary>
    public void Halt() => _worker.Halt(_engine.WakeWaiters);

    private QueueWorker.PauseScope Pause() => _worker.Pause(_engine.WakeWaiters);

    private void RebuildQueues()
    {
        foreach (var ring in _rings)
        {
            if (ring.Started)
            {
                BuildQueue(ring);
            }
        }
    }

    /// <summary>Builds the ring's queue when it has everything: size, addresses, memory.</summary>
    private void BuildQueue(VringSlot ring)
    {
        ring.Queue = null;
        ring.Broken = false;
        if (ring.Address is not { } addr || ring.Size == 0 || _memory is not { } memory)
        {
            return;
        }

        var desc = addr.DescriptorTable;
        var avail = addr.AvailableRing;
        var used = addr.UsedRing;
        // Without ACCESS_PLATFORM the ring addresses are QEMU's virtual addresses; descriptors hold GPAs.
        if (!IommuPlatform && !(TryUserToGuestPhys(memory, ref desc) && TryUserToGuestPhys(memory, ref avail) && TryUserToGuestPhys(memory, ref used)))
        {
            LogRingOutsideMemory(ring.Index);
            return;
        }
        // QEMU may serve a miss only after it has the reply to a pending invalidation, which the
        // engine can hold back up to the invalidation timeout: wait at least that long.
        var missTimeout = TimeSpan.FromTicks(Math.Max(_options.MissTimeout.Ticks, (_options.Engine.InvalidationTimeout + TimeSpan.FromSeconds(1)).Ticks));
        var dma = new DeviceDmaSpace(IommuPlatform ? _engine : null, () => _memory, SendMiss, () => _worker.Stopping, missTimeout);
        var eventIdx = (_features & VirtioRingFeatures.EventIdx) != 0;
        ring.Queue = new SplitVirtqueue(dma, (ushort)ring.Size, desc, avail, used, (ushort)ring.Base, eventIdx);
        ring.Inflight = _inflight?.Queue(ring.Index, (int)ring.Size);
        ring.ResumePending = ring.Inflight is not null;
        ring.PendingScan = true;
    }

    private static bool TryUserToGuestPhys(CoreMemoryTable memory, ref ulong address)
    {
        foreach (var region in memory.Regions)
        {
            if (address - region.UserAddr < region.Size)
            {
                address = region.GuestPhysAddr + (address - region.UserAddr);
                return true;
            }
        }
        return false;
    }

    private bool SendMiss(ulong iova, AccessKind kind) =>
        _backend is { } channel && channel.SendIotlbMiss(iova, (IotlbPermission)kind);

    private void MarkStartedIfRunning()
    {
        if (_running || !_rings.Any(r => r.Started && r.Enabled && r.Queue is not null))
        {
            return;
        }

        _running = true;
        Interlocked.Increment(ref _counters.DeviceStarts);
        _engine.Apply(EngineInputKind.DeviceStarted);
        _worker.Nudge();
        LogDeviceStarted(IommuPlatform);
    }

    private void MarkStopped()
    {
        if (!_running)
        {
            return;
        }

        _running = false;
        _engine.Apply(EngineInputKind.DeviceStopped);
        LogDeviceStopped();
    }

    /// <summary>Swaps the inflight area (worker parked). Running rings lose their tracker rather than switch areas mid-flight.</summary>
    private void ReplaceInflight(InflightRegion? region)
    {
        foreach (var ring in _rings)
        {
            ring.Inflight = null;
        }

        _inflight?.Dispose();
        _inflight = region;
    }

    private void DisposeMappings()
    {
        foreach (var m in _mappings)
        {
            m.Dispose();
        }

        _mappings.Clear();
    }

    public void Dispose()
    {
        _worker.Dispose();
        foreach (var ring in _rings)
        {
            ring.Reset();
        }

        lock (_mappingLock)
        {
            _memory = null;
            DisposeMappings();
        }

        ReplaceInflight(null);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "memory table: {Regions} regions, {MiB:F0} MiB mapped")]
    private partial void LogMemoryTable(int regions, double miB);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "device started (iommu_platform {Iommu})")]
    private partial void LogDeviceStarted(bool iommu);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "device stopped")]
    private partial void LogDeviceStopped();

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "vring {Index}: ring addresses are outside guest memory")]
    private partial void LogRingOutsideMemory(uint index);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "inflight area adopted: {Queues} queues of {Size}")]
    private partial void LogInflightArea(ushort queues, ushort size);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "front-end disconnected: {Reason}")]
    private partial void LogDisconnected(string reason);
}
