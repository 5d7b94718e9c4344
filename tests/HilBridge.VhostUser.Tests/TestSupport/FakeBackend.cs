using System.Collections.Concurrent;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Session;
using HilBridge.VhostUser.Transport;

namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>
/// A vhost-user-blk-like back-end that records every call. IOTLB handling is pluggable so tests can
/// complete replies now, later, or from another thread.
/// </summary>
internal sealed class FakeBackend : IVhostUserBackend
{
    public const ulong BlkFeatures = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures | (1UL << 9) /* BLK_F_BLK_SIZE */;

    public const VhostUserProtocolFeatures BlkProtocolFeatures =
        VhostUserProtocolFeatures.Mq | VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq | VhostUserProtocolFeatures.Config;

    private readonly ConcurrentQueue<string> _calls = new();

    public ulong DeviceFeatures { get; set; } = BlkFeatures;

    public VhostUserProtocolFeatures ProtocolFeatures { get; set; } = BlkProtocolFeatures;

    public int MaxQueues { get; set; } = 1;

    public byte[] Config { get; } = Enumerable.Range(0, 60).Select(i => (byte)(0xA0 + i)).ToArray();

    public IReadOnlyCollection<string> Calls => _calls;

    public ulong? AckedFeatures { get; private set; }

    public VhostUserProtocolFeatures? AckedProtocolFeatures { get; private set; }

    public List<MemoryMapping> Mappings { get; } = [];

    public IReadOnlyList<MemoryRegionDescription> Regions { get; private set; } = [];

    public Dictionary<(string Kind, uint Index), OwnedFd?> VringFds { get; } = [];

    public BackendChannel? Channel { get; private set; }

    public uint LastAvailIndex { get; set; } = 42;

    public bool MapMemory { get; set; } = true;

    /// <summary>Called for IOTLB messages; default completes with 0 at once.</summary>
    public Action<IotlbMessage, DeferredReply> OnIotlb { get; set; } = static (_, reply) => reply.Succeed();

    public ConcurrentQueue<IotlbMessage> IotlbMessages { get; } = new();

    public TaskCompletionSource<string?> Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Func<string, Exception?> FailOn { get; set; } = static _ => null;

    public void SetOwner() => Record("SetOwner");

    public void ResetDevice() => Record("ResetDevice");

    public void SetFeatures(ulong features)
    {
        Record($"SetFeatures 0x{features:x}");
        AckedFeatures = features;
    }

    public void SetProtocolFeatures(VhostUserProtocolFeatures features)
    {
        Record($"SetProtocolFeatures {features}");
        AckedProtocolFeatures = features;
    }

    public void SetMemoryTable(IReadOnlyList<MemoryRegionDescription> regions, IReadOnlyList<OwnedFd> fds)
    {
        Record($"SetMemoryTable {regions.Count}");
        foreach (var mapping in Mappings)
        {
            mapping.Dispose();
        }

        Mappings.Clear();
        Regions = regions;
        for (var i = 0; i < regions.Count; i++)
        {
            using var fd = fds[i];
            if (MapMemory)
            {
                Mappings.Add(MemoryMapping.MapRegion(fd, regions[i]));
            }
        }
    }

    public void SetVringNum(uint index, uint num) => Record($"SetVringNum {index} {num}");

    public void SetVringBase(uint index, uint num) => Record($"SetVringBase {index} {num}");

    public uint GetVringBase(uint index)
    {
        Record($"GetVringBase {index}");
        return LastAvailIndex;
    }

    public void SetVringAddr(in VringAddress address) => Record($"SetVringAddr {address.Index} desc=0x{address.DescriptorTable:x}");

    public void SetVringKick(uint index, OwnedFd? fd) => KeepFd("Kick", index, fd);

    public void SetVringCall(uint index, OwnedFd? fd) => KeepFd("Call", index, fd);

    public void SetVringErr(uint index, OwnedFd? fd) => KeepFd("Err", index, fd);

    public void SetVringEnable(uint index, bool enable) => Record($"SetVringEnable {index} {enable}");

    public int GetConfig(uint offset, Span<byte> destination)
    {
        Record($"GetConfig {offset} {destination.Length}");
        if (offset >= Config.Length)
        {
            return 0;
        }

        var available = Config.AsSpan((int)offset);
        var count = Math.Min(available.Length, destination.Length);
        available[..count].CopyTo(destination);
        return count;
    }

    public void SetConfig(uint offset, ReadOnlySpan<byte> data, ConfigFlags flags)
    {
        Record($"SetConfig {offset} {data.Length} {flags}");
        data.CopyTo(Config.AsSpan((int)offset));
    }

    public void SetBackendChannel(BackendChannel channel)
    {
        Record("SetBackendChannel");
        Channel = channel;
    }

    public void OnIotlbMessage(in IotlbMessage message, DeferredReply reply)
    {
        Record($"Iotlb {message.Type} 0x{message.Iova:x}");
        IotlbMessages.Enqueue(message);
        OnIotlb(message, reply);
    }

    public void OnDisconnected(string? reason)
    {
        Record($"OnDisconnected {reason}");
        foreach (var mapping in Mappings)
        {
            mapping.Dispose();
        }

        foreach (var fd in VringFds.Values)
        {
            fd?.Dispose();
        }

        Disconnected.TrySetResult(reason);
    }

    public bool Saw(string prefix) => _calls.Any(c => c.StartsWith(prefix, StringComparison.Ordinal));

    private void KeepFd(string kind, uint index, OwnedFd? fd)
    {
        Record($"SetVring{kind} {index} {(fd is null ? "nofd" : "fd")}");
        if (VringFds.TryGetValue((kind, index), out var previous))
        {
            previous?.Dispose();
        }

        VringFds[(kind, index)] = fd;
    }

    private void Record(string call)
    {
        if (FailOn(call) is { } failure)
        {
            throw failure;
        }

        _calls.Enqueue(call);
    }
}
