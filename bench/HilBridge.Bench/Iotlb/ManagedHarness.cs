using System.Diagnostics;
using System.Runtime.InteropServices;
using HilBridge.VhostUser.Frontend;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Bench.Iotlb;

/// <summary>
/// The C# twin of bench/iotlb/vhost_frontend.c on <see cref="VhostUserFrontend"/>: the same handshake,
/// the same memory layout, the same single and burst loops, the same output files and JSON line. Run
/// both against the same back-ends to see how much of a round trip is the harness's own.
/// </summary>
internal sealed class ManagedHarness(HarnessArguments args)
{
    private const ulong MemSize = 16UL << 20;
    private const ulong GpaBase = 0x4000_0000;
    private const ulong RingIova = 0x1000_0000;
    private const ulong RingStride = 0x4000;
    private const ulong DataIova = 0x2000_0000;
    private const ulong DataOffset = 1UL << 20;
    private const ulong Pages = 256;
    private const uint RingSize = 256;

    private long _backendMessages;
    private long _backendMisses;
    private volatile bool _stopping;

    public int Run(TextReader input, TextWriter output)
    {
        using var frontend = ConnectWithRetry(args.Socket);
        frontend.ReplyTimeout = TimeSpan.FromSeconds(30);
        var resources = new List<IDisposable>();
        Thread? backendThread = null;
        ulong dataUaddr = 0;
        try
        {
            if (!args.Raw)
            {
                dataUaddr = Handshake(frontend, resources) + DataOffset;
                backendThread = new Thread(() => DrainBackendChannel(frontend)) { IsBackground = true, Name = "backend-channel" };
                backendThread.Start();
            }

            var inv = new long[args.Iterations];
            var upd = new long[args.Iterations];
            var burst = new long[args.Bursts];
            for (long i = 0; i < args.Warmup; i++)
            {
                var page = (ulong)(i % (long)Pages) * 4096;
                Check(frontend.IotlbUpdate(DataIova + page, 4096, dataUaddr + page, IotlbPermission.ReadWrite));
                Check(frontend.IotlbInvalidate(DataIova + page, 4096));
            }
            if (args.Sync)
            {
                output.WriteLine("READY");
                output.Flush();
                if (input.ReadLine() is null)
                {
                    throw new InvalidOperationException("no GO on stdin");
                }
            }

            for (var i = 0; i < args.Iterations; i++)
            {
                var page = (ulong)(i % (long)Pages) * 4096;
                var t0 = Stopwatch.GetTimestamp();
                Check(frontend.IotlbUpdate(DataIova + page, 4096, dataUaddr + page, IotlbPermission.ReadWrite));
                var t1 = Stopwatch.GetTimestamp();
                Check(frontend.IotlbInvalidate(DataIova + page, 4096));
                var t2 = Stopwatch.GetTimestamp();
                upd[i] = ToNs(t1 - t0);
                inv[i] = ToNs(t2 - t1);
            }
            for (var b = 0; b < args.Bursts; b++)
            {
                var first = (ulong)((long)b * args.Burst % (long)Pages);
                for (var k = 0; k < args.Burst; k++)
                {
                    var page = (first + (ulong)k) % Pages * 4096;
                    frontend.SendIotlb(IotlbMessage.Update(DataIova + page, 4096, dataUaddr + page, IotlbPermission.ReadWrite));
                }
                for (var k = 0; k < args.Burst; k++)
                {
                    Check(frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
                }

                var t0 = Stopwatch.GetTimestamp();
                for (var k = 0; k < args.Burst; k++)
                {
                    var page = (first + (ulong)k) % Pages * 4096;
                    frontend.SendIotlb(IotlbMessage.Invalidate(DataIova + page, 4096));
                }
                for (var k = 0; k < args.Burst; k++)
                {
                    Check(frontend.ReceiveAck(VhostUserRequest.IotlbMsg));
                }

                burst[b] = ToNs(Stopwatch.GetTimestamp() - t0) / args.Burst;
            }
            if (args.Sync)
            {
                output.WriteLine("DONE");
                output.Flush();
            }

            if (args.OutputPrefix is { } prefix)
            {
                SampleFile.Write(prefix + ".inv", inv);
                SampleFile.Write(prefix + ".upd", upd);
                SampleFile.Write(prefix + ".burst", burst);
            }
            output.WriteLine(
                $"{{\"harness\":\"csharp\",\"label\":\"{args.Label}\",\"raw\":{(args.Raw ? "true" : "false")},\"rings\":{args.Rings},\"burst\":{args.Burst}," +
                $"{Summary("invalidate", inv)},{Summary("update", upd)},{Summary("burst_invalidate", burst)}," +
                $"\"backend_messages\":{Interlocked.Read(ref _backendMessages)},\"backend_misses\":{Interlocked.Read(ref _backendMisses)}}}");
            output.Flush();
            return 0;
        }
        finally
        {
            _stopping = true;
            backendThread?.Join(1000);
            foreach (var r in resources)
            {
                r.Dispose();
            }
        }
    }

    /// <summary>QEMU 7.2's order; returns the front-end's address of the shared memory.</summary>
    private ulong Handshake(VhostUserFrontend frontend, List<IDisposable> resources)
    {
        frontend.SetOwner();
        var features = frontend.GetFeatures();
        const ulong want = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.ProtocolFeatures;
        if ((features & want) != want)
        {
            throw new InvalidOperationException($"back-end features 0x{features:x} lack VERSION_1|ACCESS_PLATFORM|PROTOCOL_FEATURES");
        }

        var protocol = frontend.GetProtocolFeatures();
        const VhostUserProtocolFeatures wantProtocol = VhostUserProtocolFeatures.ReplyAck | VhostUserProtocolFeatures.BackendReq;
        if ((protocol & wantProtocol) != wantProtocol)
        {
            throw new InvalidOperationException($"protocol features {protocol} lack REPLY_ACK|BACKEND_REQ");
        }

        frontend.SetProtocolFeatures(wantProtocol);
        Check(frontend.SetBackendReqFd(needReply: true));
        Check(frontend.SetFeatures(want, needReply: true));

        var memfd = SharedMemory.CreateMemfd("hb-bench-guest-ram", MemSize);
        resources.Add(memfd);
        var view = MemoryMapping.Map(memfd, MemSize);
        resources.Add(view);
        var uaddr = (ulong)view.BasePointer;
        Check(frontend.SetMemTable([new MemoryRegionDescription(GpaBase, MemSize, uaddr, 0)], [memfd], needReply: true));

        var rings = (uint)args.Rings;
        for (uint r = 0; r < rings; r++)
        {
            Check(frontend.SetVringNum(r, RingSize, needReply: true));
        }

        Check(frontend.IotlbUpdate(RingIova, RingStride * rings, uaddr, IotlbPermission.ReadWrite));
        for (uint r = 0; r < rings; r++)
        {
            Check(frontend.SetVringBase(r, 0, needReply: true));
            var b = RingIova + RingStride * r;
            Check(frontend.SetVringAddr(new VringAddress(r, 0, b, b + 0x2000, b + 0x1000, 0), needReply: true));
            var kick = EventFd.Create();
            var call = EventFd.Create();
            resources.Add(kick);
            resources.Add(call);
            Check(frontend.SetVringKick(r, kick.Handle, needReply: true));
            Check(frontend.SetVringCall(r, call.Handle, needReply: true));
        }
        for (uint r = 0; r < rings; r++)
        {
            Check(frontend.SetVringEnable(r, true, needReply: true));
        }

        return uaddr;
    }

    private void DrainBackendChannel(VhostUserFrontend frontend)
    {
        try
        {
            while (!_stopping)
            {
                if (!frontend.TryReceiveBackendMessage(100, out var header, out var iotlb))
                {
                    continue;
                }

                Interlocked.Increment(ref _backendMessages);
                if (header.Request == (uint)VhostUserBackendRequest.IotlbMsg && iotlb.Type == IotlbMessageType.Miss)
                {
                    Interlocked.Increment(ref _backendMisses);
                }
            }
        }
        catch (Exception ex) when (ex is VhostUserTransportException or VhostUserProtocolException or ObjectDisposedException)
        {
            // The connection is going away with the run.
        }
    }

    private static VhostUserFrontend ConnectWithRetry(string socket)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return VhostUserFrontend.Connect(socket);
            }
            catch (VhostUserTransportException) when (attempt < 200)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static void Check(ulong status)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"back-end answered {status}");
        }
    }

    private static long ToNs(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    private static string Summary(string name, long[] samples)
    {
        var s = SampleStats.Of(samples);
        return $"\"{name}\":{{\"n\":{s.Count},\"p50_ns\":{s.P50},\"p99_ns\":{s.P99},\"min_ns\":{s.Min},\"max_ns\":{s.Max}}}";
    }
}

/// <summary>Arguments shared by the C and the C# harness (the same flags).</summary>
internal sealed record HarnessArguments(
    string Socket, bool Raw, int Rings, long Warmup, int Iterations, int Burst, int Bursts, string? OutputPrefix, bool Sync, string Label)
{
    /// <summary>The flags as both harnesses take them.</summary>
    public IReadOnlyList<string> ToCommandLine()
    {
        var list = new List<string>
        {
            "--socket", Socket, "--rings", Rings.ToString(), "--warmup", Warmup.ToString(), "--iters", Iterations.ToString(),
            "--burst", Burst.ToString(), "--bursts", Bursts.ToString(), "--label", Label,
        };
        if (Raw)
        {
            list.Add("--raw");
        }

        if (Sync)
        {
            list.Add("--sync");
        }

        if (OutputPrefix is not null)
        {
            list.AddRange(["--out", OutputPrefix]);
        }

        return list;
    }
}
