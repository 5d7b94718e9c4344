using System.Buffers.Binary;
using HilBridge.Core.Blk;
using HilBridge.Core.Virtio;
using HilBridge.Fuzz.Targets.Chains;
using HilBridge.VhostUser.Protocol;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// A connection the way QEMU 7.2 opens one (feature negotiation, back-end channel, inflight area,
/// memory table, ring setup, IOTLB updates, kicks), with random parameters, followed by random
/// traffic (invalidations, updates, stops, resets, config reads, unknown requests), then broken:
/// messages dropped, duplicated, swapped or replaced; header fields, sizes and flags corrupted;
/// payloads truncated, extended or flipped; fds missing, extra or of the wrong kind. Memory tables
/// overlap, are empty, huge or unaligned; IOTLB ranges wrap or point outside guest memory.
/// </summary>
public static class SessionGenerator
{
    private const uint V1 = (uint)VhostUserHeaderFlags.Version1, NeedReply = (uint)VhostUserHeaderFlags.NeedReply;

    private static readonly ulong DeviceFeatures =
        VirtioBlkFeatures.Offered | VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures;

    public static SessionCase Generate(FuzzRandom r)
    {
        var ring = ChainGenerator.Generate(r, FuzzGuest.IovaBase);
        var m = new List<WireMessage>();
        var reply = r.Chance(0.5);
        var protocol = (ulong)(VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq | VhostUserProtocolFeatures.Config | VhostUserProtocolFeatures.Mq);
        if (r.Chance(0.6))
        {
            protocol |= (ulong)VhostUserProtocolFeatures.InflightShmfd;
        }

        if (r.Chance(0.1))
        {
            protocol = r.Interesting64();
        }

        m.Add(Empty(VhostUserRequest.GetFeatures));
        m.Add(Empty(VhostUserRequest.GetProtocolFeatures));
        m.Add(U64(VhostUserRequest.SetProtocolFeatures, protocol, reply));
        m.Add(Empty(VhostUserRequest.GetQueueNum));
        m.Add(Msg(VhostUserRequest.SetBackendReqFd, [], reply, "socket"));
        m.Add(Empty(VhostUserRequest.SetOwner, reply));
        m.Add(Empty(VhostUserRequest.GetFeatures));
        if ((protocol & (ulong)VhostUserProtocolFeatures.InflightShmfd) != 0 && r.Chance(0.7))
        {
            m.Add(Inflight(VhostUserRequest.GetInflightFd, 0, 0, (ushort)(r.Chance(0.9) ? 1 : r.Interesting16()), r.Chance(0.9) ? ring.QueueSize : r.Interesting16()));
            var size = (16UL * ring.QueueSize + 2 + 63) / 64 * 64; // libvhost-user's vu_inflight_queue_size
            m.Add(Inflight(VhostUserRequest.SetInflightFd, r.Chance(0.8) ? size : r.Interesting64(), r.Chance(0.9) ? 0 : r.Interesting64(),
                (ushort)(r.Chance(0.9) ? 1 : r.Interesting16()), r.Chance(0.9) ? ring.QueueSize : r.Interesting16(), reply, r.Chance(0.8) ? "inflight" : r.Pick(Kinds)));
        }
        var features = r.Chance(0.9) ? DeviceFeatures & (r.NextUInt64() | VirtioFeatures.AccessPlatform | VirtioFeatures.Version1 | VirtioFeatures.ProtocolFeatures) : r.Interesting64();
        m.Add(U64(VhostUserRequest.SetFeatures, features, reply));
        m.Add(MemTable(r, reply));
        m.Add(State(VhostUserRequest.SetVringNum, 0, r.Chance(0.9) ? ring.QueueSize : r.Interesting32(), reply));
        m.Add(State(VhostUserRequest.SetVringBase, 0, r.Chance(0.9) ? ring.NextAvail : r.Interesting32(), reply));
        m.Add(Address(0, ring.Desc, ring.Used, ring.Avail, reply));
        foreach (var update in Updates(r))
        {
            m.Add(update);
        }

        m.Add(FileIndex(VhostUserRequest.SetVringCall, 0, false, reply, "eventfd"));
        m.Add(FileIndex(VhostUserRequest.SetVringKick, 0, r.Chance(0.05), reply, "eventfd"));
        m.Add(State(VhostUserRequest.SetVringEnable, 0, r.Chance(0.95) ? 1u : r.Interesting32(), reply));

        for (var i = r.Next(0, 12); i > 0; i--)
        {
            m.Add(Traffic(r, ring, reply));
        }

        Mutate(r, m);
        var tail = r.Chance(0.05) ? Convert.ToHexString(r.Bytes(r.Next(1, 40))) : "";
        return new SessionCase(m, tail, ring);
    }

    private static readonly string[] Kinds = ["guest", "small", "eventfd", "pipe", "zero", "socket", "inflight"];

    private static WireMessage Traffic(FuzzRandom r, ChainCase ring, bool reply) => r.Next(16) switch
    {
        0 or 1 or 2 => Iotlb(IotlbMessageType.Invalidate, Iova(r), Size(r), 0, 0, true),
        3 or 4 => Iotlb(IotlbMessageType.Update, Iova(r), Size(r), User(r), (byte)r.Next(0, 4), true),
        5 => Iotlb((IotlbMessageType)r.Next(0, 256), r.Interesting64(), r.Interesting64(), r.Interesting64(), (byte)r.Next(0, 256), r.Chance(0.5)),
        6 => State(VhostUserRequest.GetVringBase, (uint)r.Next(0, 3), 0, false),
        7 => Config(r),
        8 => FileIndex(VhostUserRequest.SetVringKick, (uint)r.Next(0, 3), r.Chance(0.2), reply, "eventfd"),
        9 => State(VhostUserRequest.SetVringEnable, 0, (uint)r.Next(0, 2), reply),
        10 => Empty(r.Pick(VhostUserRequest.ResetOwner, VhostUserRequest.ResetDevice), reply),
        11 => MemTable(r, reply),
        12 => Address((uint)r.Next(0, 2), r.Chance(0.5) ? ring.Desc : r.Interesting64(), ring.Used, ring.Avail, reply),
        13 => State(r.Pick(VhostUserRequest.SetVringNum, VhostUserRequest.SetVringBase), (uint)r.Next(0, 2), r.Interesting32(), reply),
        14 => Msg((VhostUserRequest)r.Next(0, 50), r.Bytes(r.Pick(0, 8, 12, 24, 40, r.Next(0, 300))), r.Chance(0.5)),
        _ => FileIndex(r.Pick(VhostUserRequest.SetVringCall, VhostUserRequest.SetVringErr), (uint)r.Next(0, 2), r.Chance(0.3), reply, r.Pick(Kinds)),
    };

    /// <summary>IOTLB updates mapping the ring's memory, then some that wrap, overlap or point outside guest memory.</summary>
    private static IEnumerable<WireMessage> Updates(FuzzRandom r)
    {
        if (r.Chance(0.85))
        {
            yield return Iotlb(IotlbMessageType.Update, FuzzGuest.IovaBase, r.Chance(0.9) ? FuzzGuest.RegionSize : Size(r), FuzzGuest.UserBase, 3, true);
        }

        for (var i = r.Next(0, 4); i > 0; i--)
        {
            yield return Iotlb(IotlbMessageType.Update, Iova(r), Size(r), User(r), (byte)r.Next(0, 4), true);
        }
    }

    private static ulong Iova(FuzzRandom r) => r.Next(4) switch
    {
        0 => r.Interesting64(),
        1 => ulong.MaxValue - (ulong)r.Next(0, 0x2000),
        _ => FuzzGuest.IovaBase + (ulong)r.Next(0, 300) * 0x1000 + (r.Chance(0.2) ? (ulong)r.Next(1, 0x1000) : 0),
    };

    private static ulong Size(FuzzRandom r) => r.Next(5) switch
    {
        0 => r.Interesting64(),
        1 => 0,
        _ => (ulong)r.Next(1, 64) * 0x1000,
    };

    private static ulong User(FuzzRandom r) => r.Next(4) switch
    {
        0 => r.Interesting64(), // outside every region
        1 => FuzzGuest.UserBase + FuzzGuest.RegionSize - (ulong)r.Next(0, 0x2000), // straddling the region's end
        _ => FuzzGuest.UserBase + (ulong)r.Next(0, 256) * 0x1000,
    };

    private static WireMessage MemTable(FuzzRandom r, bool reply)
    {
        var count = r.Chance(0.85) ? 1 : r.Next(0, 10);
        var regions = new List<MemoryRegionDescription>();
        var fds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var standard = i == 0 && r.Chance(0.8);
            regions.Add(standard
                ? new MemoryRegionDescription(FuzzGuest.Gpa, FuzzGuest.RegionSize, FuzzGuest.UserBase, FuzzGuest.RegionOffset)
                : new MemoryRegionDescription(
                    r.Chance(0.5) ? FuzzGuest.Gpa + (ulong)r.Next(0, 4) * 0x8_0000 : r.Interesting64(),
                    r.Next(4) switch { 0 => r.Interesting64(), 1 => 0, 2 => (ulong)r.Next(1, 0x3000), _ => (ulong)r.Next(1, 32) << 16 },
                    r.Chance(0.5) ? FuzzGuest.UserBase + (ulong)r.Next(0, 4) * 0x8_0000 : r.Interesting64(),
                    r.Next(3) switch { 0 => r.Interesting64(), 1 => (ulong)r.Next(0, 0x2000), _ => (ulong)r.Next(0, 32) << 16 }));
            fds.Add(r.Chance(0.85) ? "guest" : r.Pick(Kinds));
        }
        var payload = new byte[MemoryTableMessage.LengthFor(Math.Min(count, VhostUserLimits.MaxMemoryRegions))];
        if (count <= VhostUserLimits.MaxMemoryRegions)
        {
            MemoryTableMessage.Write(regions.ToArray(), payload);
        }
        else
        {
            // More regions than the protocol allows: the count says so, the bytes follow anyway.
            payload = new byte[MemoryTableMessage.LengthFor(count)];
            BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)count);
            for (var i = 0; i < count; i++)
            {
                regions[i].Write(payload.AsSpan(MemoryTableMessage.HeaderLength + i * MemoryRegionDescription.Length));
            }
        }
        return new WireMessage((uint)VhostUserRequest.SetMemTable, V1 | (reply ? NeedReply : 0), Convert.ToHexString(payload), fds);
    }

    private static WireMessage Config(FuzzRandom r)
    {
        var size = r.Chance(0.8) ? (uint)r.Next(1, 61) : r.Interesting32();
        var payload = new byte[ConfigHeader.Length + (int)Math.Min(size, VhostUserLimits.MaxConfigSize + 8)];
        new ConfigHeader(r.Chance(0.8) ? (uint)r.Next(0, 64) : r.Interesting32(), size, ConfigFlags.Writable).WriteHeader(payload);
        return new WireMessage((uint)r.Pick(VhostUserRequest.GetConfig, VhostUserRequest.SetConfig), V1, Convert.ToHexString(payload), []);
    }

    private static void Mutate(FuzzRandom r, List<WireMessage> m)
    {
        for (var round = r.Next(0, 4); round > 0 && m.Count > 0; round--)
        {
            var i = r.Next(m.Count);
            var msg = m[i];
            var payload = Convert.FromHexString(msg.Payload);
            switch (r.Next(14))
            {
                case 0: m.RemoveAt(i); break;
                case 1: m.Insert(i, msg); break;
                case 2 when i + 1 < m.Count: (m[i], m[i + 1]) = (m[i + 1], m[i]); break;
                case 3: m[i] = msg with { Request = r.Chance(0.5) ? (uint)r.Next(0, 60) : r.Interesting32() }; break;
                case 4: m[i] = msg with { Flags = r.Chance(0.5) ? (uint)r.Next(0, 16) : r.Interesting32() }; break;
                case 5: m[i] = msg with { Size = r.Chance(0.5) ? (uint)Math.Max(0, payload.Length + r.Next(-8, 9)) : r.Interesting32() }; break;
                case 6 when payload.Length > 0: m[i] = msg with { Payload = Convert.ToHexString(payload, 0, r.Next(payload.Length)) }; break;
                case 7: m[i] = msg with { Payload = msg.Payload + Convert.ToHexString(r.Bytes(r.Next(1, 16))) }; break;
                case 8 when payload.Length > 0:
                    payload[r.Next(payload.Length)] ^= (byte)(1 << r.Next(8));
                    m[i] = msg with { Payload = Convert.ToHexString(payload) };
                    break;
                case 9: m[i] = msg with { Fds = [] }; break;
                case 10: m[i] = msg with { Fds = [.. msg.Fds, .. Enumerable.Range(0, r.Next(1, 10)).Select(_ => r.Pick(Kinds))] }; break;
                case 11 when msg.Fds.Count > 0: m[i] = msg with { Fds = msg.Fds.Select(_ => r.Pick(Kinds)).ToList() }; break;
                case 12: m.Insert(i, Msg((VhostUserRequest)r.Next(0, 50), r.Bytes(r.Next(0, 64)), r.Chance(0.5), [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => r.Pick(Kinds))])); break;
                default: m.Insert(r.Next(m.Count + 1), m[r.Next(m.Count)]); break;
            }
        }
    }

    private static WireMessage Msg(VhostUserRequest request, byte[] payload, bool needReply = false, params string[] fds) =>
        new((uint)request, V1 | (needReply ? NeedReply : 0), Convert.ToHexString(payload), [.. fds]);

    private static WireMessage Empty(VhostUserRequest request, bool needReply = false) => Msg(request, [], needReply);

    private static WireMessage U64(VhostUserRequest request, ulong value, bool needReply)
    {
        var p = new byte[8];
        U64Payload.Write(value, p);
        return Msg(request, p, needReply);
    }

    private static WireMessage State(VhostUserRequest request, uint index, uint num, bool needReply)
    {
        var p = new byte[VringState.Length];
        new VringState(index, num).Write(p);
        return Msg(request, p, needReply);
    }

    private static WireMessage Address(uint index, ulong desc, ulong used, ulong avail, bool needReply)
    {
        var p = new byte[VringAddress.Length];
        new VringAddress(index, 0, desc, used, avail, 0).Write(p);
        return Msg(VhostUserRequest.SetVringAddr, p, needReply);
    }

    private static WireMessage FileIndex(VhostUserRequest request, uint index, bool noFd, bool needReply, string kind)
    {
        var p = new byte[8];
        U64Payload.Write(index | (noFd ? VringFileIndex.NoFdMask : 0), p);
        return noFd ? Msg(request, p, needReply) : Msg(request, p, needReply, kind);
    }

    private static WireMessage Iotlb(IotlbMessageType type, ulong iova, ulong size, ulong user, byte perm, bool needReply)
    {
        var p = new byte[IotlbMessage.Length];
        new IotlbMessage(iova, size, user, (IotlbPermission)perm, type).Write(p);
        return Msg(VhostUserRequest.IotlbMsg, p, needReply);
    }

    private static WireMessage Inflight(VhostUserRequest request, ulong size, ulong offset, ushort queues, ushort queueSize, bool needReply = false, params string[] fds)
    {
        var p = new byte[InflightDescription.Length];
        new InflightDescription(size, offset, queues, queueSize).Write(p);
        return Msg(request, p, needReply, fds);
    }
}
