using HilBridge.Core.Virtio;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Live.Device;

/// <summary>
/// The whole inflight area: <see cref="NumQueues"/> regions of <see cref="InflightLayout.QueueRegionSize"/>
/// bytes in shared memory. The device creates it for GET_INFLIGHT_FD and adopts the front-end's for
/// SET_INFLIGHT_FD; QEMU keeps its own mapping, which is what lets a restarted back-end find the
/// requests its predecessor had in flight. Every size in a description is checked before anything
/// is mapped; dispose only while no queue uses it.
/// </summary>
internal sealed class InflightRegion : IDisposable
{
    private readonly MemoryMapping _mapping;

    private InflightRegion(MemoryMapping mapping, int numQueues, int queueSize)
    {
        _mapping = mapping;
        NumQueues = numQueues;
        QueueSize = queueSize;
    }

    public int NumQueues { get; }

    public int QueueSize { get; }

    public ulong Size => InflightLayout.QueueRegionSize(QueueSize) * (ulong)NumQueues;

    /// <summary>GET_INFLIGHT_FD: a zeroed area for the front-end's queues, and the memfd holding it (the caller sends and closes it).</summary>
    public static InflightRegion Create(in InflightDescription request, int deviceQueues, out OwnedFd fd)
    {
        Check(request.NumQueues, request.QueueSize, deviceQueues);
        var size = InflightLayout.QueueRegionSize(request.QueueSize) * request.NumQueues;
        fd = SharedMemory.CreateMemfd("hilbridge-inflight", size);
        try
        {
            var region = new InflightRegion(MemoryMapping.Map(fd, size), request.NumQueues, request.QueueSize);
            region.Stamp();
            return region;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SET_INFLIGHT_FD: maps the front-end's area. The fd stays the caller's. Like guest memory it must
    /// not be able to shrink (the memfd <see cref="Create"/> hands out is sealed), unless <paramref name="trustUnsealed"/>.
    /// </summary>
    public static InflightRegion Adopt(in InflightDescription description, OwnedFd fd, int deviceQueues, bool trustUnsealed = false)
    {
        Check(description.NumQueues, description.QueueSize, deviceQueues);
        var needed = InflightLayout.QueueRegionSize(description.QueueSize) * description.NumQueues;
        if (description.MmapSize < needed)
        {
            throw new VhostUserDeviceException($"inflight area of {description.MmapSize} bytes is smaller than the {needed} its {description.NumQueues} queues of {description.QueueSize} need");
        }

        if (description.MmapOffset % 4096 != 0 || description.MmapOffset > ulong.MaxValue - needed)
        {
            throw new VhostUserDeviceException($"inflight area offset 0x{description.MmapOffset:x} is not page aligned");
        }

        try
        {
            // Only the bytes the layout uses are mapped, however large the front-end says the area is.
            var mapping = MemoryMapping.MapRegion(fd, new MemoryRegionDescription(0, needed, 0, description.MmapOffset), trustUnsealed);
            var region = new InflightRegion(mapping, description.NumQueues, description.QueueSize);
            region.Stamp();
            return region;
        }
        catch (Exception e) when (e is VhostUserTransportException or ArgumentException)
        {
            throw new VhostUserDeviceException("cannot map the inflight area: " + e.Message, innerException: e);
        }
    }

    /// <summary>The tracker for queue <paramref name="index"/> of a ring of <paramref name="ringSize"/>, or null if the area has no such queue.</summary>
    public InflightQueue? Queue(uint index, int ringSize) =>
        index < (uint)NumQueues ? new InflightQueue(RegionBase(index), QueueSize, ringSize) : null;

    public void Dispose() => _mapping.Dispose();

    private nint RegionBase(uint index) => _mapping.RegionPointer + (nint)(InflightLayout.QueueRegionSize(QueueSize) * index);

    /// <summary>desc_num is ours to say (libvhost-user rewrites it the same way): the value found there is not trusted.</summary>
    private unsafe void Stamp()
    {
        for (uint q = 0; q < NumQueues; q++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>((byte*)RegionBase(q) + InflightLayout.DescNumOffset, 2), (ushort)QueueSize);
        }
    }

    private static void Check(ushort numQueues, ushort queueSize, int deviceQueues)
    {
        if (numQueues == 0 || numQueues > deviceQueues)
        {
            throw new VhostUserDeviceException($"inflight area for {numQueues} queues, the device has {deviceQueues}");
        }

        if (!SplitVirtqueue.IsValidSize(queueSize))
        {
            throw new VhostUserDeviceException($"inflight queue size {queueSize} is not a power of two up to {SplitVirtqueue.MaxSize}");
        }
    }
}
