using System.Buffers.Binary;
using HilBridge.Fuzz.Driver;
using HilBridge.Fuzz.Targets.Chains;
using HilBridge.Live.Device;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// Whole connections against one real bridge (listener, server, session, VhostBlkDevice, queue worker,
/// DMA through its IOTLB into a memfd), over its real socket. Oracles, per case: the bridge finishes
/// the connection (replies, then closes) within seconds; it logs no bug (an unexpected exception in
/// the device, the session or the DMA thread); the canary bytes before the guest region, which the
/// device maps but which are not guest memory, are untouched. Every <see cref="HealthEvery"/> cases
/// (and on demand) a well-behaved front-end connects and must read back what it wrote, and the bridge
/// must not be leaking fds or mappings.
/// </summary>
public sealed class SessionTarget : FuzzTarget<SessionCase>
{
    public const int HealthEvery = 200;

    // A leak of one fd or mapping per case would pass this within a few health checks.
    private const int LeakMargin = 8;

    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hb-fuzz-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly LogCollector _logs = new();
    private readonly FuzzFds _fds = new();
    private readonly VhostBlkBridge _bridge;
    private long _cases;
    private long _healthChecks;
    private (int Fds, int Maps)? _baseline;

    public SessionTarget()
    {
        Directory.CreateDirectory(_dir);
        SocketPath = Path.Combine(_dir, "vhost.sock");
        _bridge = new VhostBlkBridge(new BridgeOptions
        {
            DiskImage = Path.Combine(_dir, "disk.img"),
            DiskSizeBytes = 1 << 20,
            MissTimeout = TimeSpan.FromMilliseconds(20),
        }, _logs, TimeProvider.System);
        _bridge.Start(SocketPath);
    }

    public override string Name => "session";

    public string SocketPath { get; }

    public long HealthChecks => _healthChecks;

    public override SessionCase Generate(FuzzRandom random) => SessionGenerator.Generate(random);

    public override string? Execute(SessionCase c)
    {
        _logs.Drain();
        NoteRegions(c);
        PrepareGuest(c.Ring);
        var problem = RunConnection(c) ?? CheckLogs() ?? CheckCanary();
        if (problem is null && ++_cases % HealthEvery == 0)
        {
            problem = CheckHealth();
        }

        return problem;
    }

    /// <summary>A well-behaved front-end must still be served, with its data intact, and nothing may leak.</summary>
    public string? CheckHealth()
    {
        _healthChecks++;
        try
        {
            using (var driver = BlkDriver.Connect(SocketPath, useInflight: _healthChecks % 2 == 0))
            {
                var sector = (ulong)(_healthChecks % 200) * 8;
                var data = new byte[8192];
                new FuzzRandom((ulong)_healthChecks).Fill(data);
                if (!driver.WriteSectors(sector, data))
                {
                    return $"health check: write refused (status {driver.Status(0)})";
                }

                var back = driver.ReadSectors(sector, data.Length);
                if (back is null || !back.AsSpan().SequenceEqual(data))
                {
                    return "health check: read back differs from what was written";
                }
            }
            if (CheckLogs() is { } logged)
            {
                return "health check: " + logged;
            }
            // Let the session wind down, then compare resources with the first check.
            Thread.Sleep(20);
            var now = _fds.CountHeldByProcess();
            _baseline ??= now;
            if (now.Fds > _baseline.Value.Fds + LeakMargin || now.Maps > _baseline.Value.Maps + LeakMargin)
            {
                return $"resources grow: {now.Fds} fds and {now.Maps} mappings of the fuzzer's files, {_baseline.Value.Fds} and {_baseline.Value.Maps} at the first health check";
            }

            return null;
        }
        catch (Exception e)
        {
            return $"health check: the bridge no longer serves a well-behaved front-end ({e.GetType().Name}: {e.Message})";
        }
    }

    private string? RunConnection(SessionCase c)
    {
        using var endpoint = new VhostUserEndpoint(UnixSocket.Connect(SocketPath));
        endpoint.SetSendTimeout(CaseTimeout);
        endpoint.SetReceiveTimeout(CaseTimeout);
        try
        {
            Span<int> fds = stackalloc int[16];
            foreach (var message in c.Messages)
            {
                var payload = Convert.FromHexString(message.Payload);
                var bytes = new byte[VhostUserHeader.Length + payload.Length];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, message.Request);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), message.Flags);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), message.Size ?? (uint)payload.Length);
                payload.CopyTo(bytes, VhostUserHeader.Length);
                var count = Math.Min(message.Fds.Count, fds.Length);
                for (var i = 0; i < count; i++)
                {
                    fds[i] = _fds.Resolve(message.Fds[i]);
                }

                if (!RawWire.Send(endpoint.Socket, bytes, fds[..count]))
                {
                    break; // the bridge already closed the connection (a protocol error): fine
                }
            }
            if (c.Tail.Length > 0)
            {
                RawWire.Send(endpoint.Socket, Convert.FromHexString(c.Tail), []);
            }

            RawWire.ShutdownWrite(endpoint.Socket);

            // Everything the bridge says, until it closes: replies, maybe with fds (GET_INFLIGHT_FD).
            while (true)
            {
                try
                {
                    if (!endpoint.TryReceive(out _, out _, out var received))
                    {
                        break;
                    }

                    received.Dispose();
                }
                catch (VhostUserTransportException)
                {
                    break; // reset: the bridge closed with our bytes unread
                }
                catch (VhostUserProtocolException)
                {
                    break; // closed in the middle of a reply after a fault: the connection is over either way
                }
            }
            DrainChannels();
            return null;
        }
        catch (TimeoutException)
        {
            return $"the bridge did not finish the connection within {CaseTimeout.TotalSeconds:F0} s";
        }
        finally
        {
            _fds.EndCase();
        }
    }

    private void DrainChannels()
    {
        foreach (var channel in _fds.Channels)
        {
            try
            {
                channel.SetReceiveTimeout(TimeSpan.FromMilliseconds(1));
                while (channel.TryReceive(out _, out _, out var fds))
                {
                    fds.Dispose();
                }
            }
            catch (Exception e) when (e is TimeoutException or VhostUserTransportException or VhostUserProtocolException)
            {
            }
        }
    }

    private string? CheckLogs()
    {
        foreach (var entry in _logs.Drain())
        {
            if (LogCollector.IsBug(entry))
            {
                return $"{entry.Category} logged a bug (event {entry.EventId}): {entry.Message}";
            }
        }
        return null;
    }

    private string? CheckCanary()
    {
        var canary = _fds.GuestMemory.GetSpan(0, (int)FuzzGuest.CanaryBytes);
        var bad = canary.IndexOfAnyExcept(FuzzGuest.Canary);
        return bad < 0 || RegionsMayCoverCanary ? null : $"guest memfd offset 0x{bad:x}, outside every region, was written";
    }

    /// <summary>Set while preparing a case whose memory tables map the canary (mmap_offset below its end): then writes there are legal.</summary>
    private bool RegionsMayCoverCanary { get; set; }

    private void PrepareGuest(ChainCase ring)
    {
        _fds.GuestMemory.GetSpan(0, (int)FuzzGuest.CanaryBytes).Fill(FuzzGuest.Canary);
        var area = _fds.GuestMemory.GetSpan(FuzzGuest.RegionOffset, ChainGenerator.MemorySize);
        area.Clear();
        var image = new byte[ChainGenerator.MemorySize];
        GuestImage.Apply(ring.Writes, image);
        image.CopyTo(area);
    }

    /// <summary>
    /// Decides, per case, whether the canary is checkable: only if the guest memfd goes nowhere but into
    /// memory tables whose regions all start past the canary.
    /// </summary>
    private void NoteRegions(SessionCase c)
    {
        RegionsMayCoverCanary = false;
        foreach (var m in c.Messages)
        {
            if (!m.Fds.Contains("guest"))
            {
                continue;
            }

            if (m.Request != (uint)VhostUserRequest.SetMemTable)
            {
                RegionsMayCoverCanary = true; // e.g. the guest memfd handed over as the inflight area: the device may write it
                continue;
            }
            var payload = Convert.FromHexString(m.Payload);
            for (var offset = MemoryTableMessage.HeaderLength; offset + MemoryRegionDescription.Length <= payload.Length; offset += MemoryRegionDescription.Length)
            {
                if (MemoryRegionDescription.Read(payload.AsSpan(offset, MemoryRegionDescription.Length)).MmapOffset < FuzzGuest.CanaryBytes)
                {
                    RegionsMayCoverCanary = true;
                }
            }
        }
    }

    public override void Dispose()
    {
        _bridge.Dispose();
        _fds.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
