using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Recording;
using HilBridge.VhostUser.Protocol;

namespace HilBridge.Fuzz.Bytes;

/// <summary>
/// Starting inputs for a coverage-guided campaign, one set per byte target: well-formed inputs the
/// mutations start from (a fuzzer finds the shape of a valid trace or ATS port stream slowly).
/// The campaign's minimized queue is what gets committed (coverage-corpus/); these are only its start.
/// </summary>
public static class ByteSeeds
{
    public static IEnumerable<(string Name, byte[] Bytes)> For(string target, string repositoryRoot) => target switch
    {
        "codec" => Codec(),
        "atsport" => [("hello-inv-ste-sync", AtsPortStream())],
        "trace" => [("small", SmallTrace())],
        "scenario" => Directory.GetFiles(Path.Combine(repositoryRoot, "scenarios"), "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f))),
        // The structured targets read choices: zeros take the first branch of every choice, the others vary them.
        _ => [("zeros", new byte[64]), ("ones", Enumerable.Repeat((byte)0xff, 64).ToArray()), ("counting", Enumerable.Range(0, 256).Select(i => (byte)(i * 37)).ToArray())],
    };

    private static IEnumerable<(string, byte[])> Codec()
    {
        for (var i = 0; i < CodecTarget().Count; i++)
        {
            var payload = new byte[i == 5 ? MemoryTableMessage.LengthFor(2) : 64];
            if (i == 5)
            {
                payload[0] = 2;
            }

            yield return (CodecTarget()[i], [(byte)i, .. payload]);
        }
    }

    private static IReadOnlyList<string> CodecTarget() => Targets.Codec.CodecTarget.DecoderNames;

    /// <summary>What the patched SMMU sends on a connection: HELLO, an ATC_INV, an STE report, a SYNC, a timeout.</summary>
    private static byte[] AtsPortStream()
    {
        var stream = new MemoryStream();
        void Message(AtsPortMessageType type, byte[] payload)
        {
            var header = new byte[AtsPortHeader.Size];
            new AtsPortHeader(type, 0, (uint)payload.Length).Write(header);
            stream.Write(header);
            stream.Write(payload);
        }

        var hello = new byte[AtsPortHello.Size];
        BitConverter.TryWriteBytes(hello, 1u);
        BitConverter.TryWriteBytes(hello.AsSpan(4), 1000u);
        BitConverter.TryWriteBytes(hello.AsSpan(8), 64u);
        Message(AtsPortMessageType.Hello, hello);
        var inv = new byte[AtcInvalidation.Size];
        new AtcInvalidation(7, 0x8, 0, 0, false, false, 0x10000, 0x1000).Write(inv);
        Message(AtsPortMessageType.AtcInvalidate, inv);
        var ste = new byte[SteState.Size];
        new SteState(0x8, SteConfig.Translate, 1, true).Write(ste);
        Message(AtsPortMessageType.Ste, ste);
        Message(AtsPortMessageType.Sync, new byte[SyncReport.Size]);
        Message(AtsPortMessageType.AtcInvalidateTimeout, new byte[AtcInvalidationTimeout.Size]);
        return [0x11, .. stream.ToArray()];
    }

    /// <summary>A few hundred bytes of trace with records of every kind (as the trace tests' small trace).</summary>
    private static byte[] SmallTrace()
    {
        var start = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var options = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromSeconds(1),
            FencePolicy = FencePolicy.Fence,
            Seed = 7,
            Policy = new FaultPolicy(new FaultRule { EveryNth = 2, Outcome = FaultOutcome.Drop }),
        };
        var header = new TraceHeader
        {
            Scenario = "seed",
            Engine = OptionsCodec.ToMessage(options),
            EngineStartTicks = start.UtcTicks,
            Source = "generated",
            Writer = "fuzz seeds",
        };
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, header, leaveOpen: true))
        {
            var driver = new EngineStepper(options, start, new TraceWriterObserver(writer));
            var t = start;
            driver.Step(new EngineInput(EngineInputKind.SetStreamId, t, Id: 0x100));
            driver.Step(new EngineInput(EngineInputKind.IotlbUpdate, t = t.AddMilliseconds(1), 0x1000, 0x1000, 0xdead000, AccessKind.ReadWrite));
            var access = driver.Step(new EngineInput(EngineInputKind.BeginAccess, t = t.AddMilliseconds(1), 0x1000, 64, Access: AccessKind.Read));
            driver.Step(new EngineInput(EngineInputKind.EndAccess, t, Id: access.Token.Id));
            driver.Step(new EngineInput(EngineInputKind.IotlbInvalidate, t = t.AddMilliseconds(1), 0x1000, 0x1000, Id: 1));
            driver.Step(new EngineInput(EngineInputKind.IotlbInvalidate, t = t.AddMilliseconds(1), 0x2000, 0x1000, Id: 2));
            driver.AdvanceTo(t.AddSeconds(2));
            writer.WriteSmmu(t, "smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC");
            writer.WriteGuest(t, "round", [new("n", "1"), new("verified", "1")], TimeSpan.FromSeconds(9));
            driver.Step(new EngineInput(EngineInputKind.DeviceStopped, t = t.AddSeconds(2.1)));
            driver.Step(new EngineInput(EngineInputKind.DeviceStarted, t));
            writer.Complete(t);
        }

        return stream.ToArray();
    }
}
