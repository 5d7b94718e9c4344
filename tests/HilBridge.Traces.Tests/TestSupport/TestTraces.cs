using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Generation;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Recording;
using HilBridge.Traces.Replay;

namespace HilBridge.Traces.Tests.TestSupport;

/// <summary>Small traces made by driving a real engine, in memory.</summary>
internal static class TestTraces
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static EngineOptions Options(FaultPolicy? policy = null, FencePolicy fence = FencePolicy.Fence) => new()
    {
        InvalidationTimeout = TimeSpan.FromSeconds(1),
        FencePolicy = fence,
        Seed = 7,
        Policy = policy ?? SyntheticTraffic.MixedPolicy,
    };

    public static TraceHeader Header(EngineOptions options, string scenario = "test") => new()
    {
        Scenario = scenario,
        Engine = OptionsCodec.ToMessage(options),
        EngineStartTicks = Start.UtcTicks,
        Source = "generated",
        Writer = "tests",
        Versions = { ["QEMU_VERSION"] = "7.2.22" },
    };

    /// <summary>A complete trace of <paramref name="requests"/> synthetic requests (with fences, stragglers, violations under Hope).</summary>
    public static byte[] Synthetic(int requests, EngineOptions? options = null, Action<TraceWriter>? extra = null)
    {
        options ??= Options();
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, Header(options), leaveOpen: true))
        {
            var observer = new TraceWriterObserver(writer);
            var driver = new EngineStepper(options, Start, observer);
            var traffic = new SyntheticTraffic(driver);
            traffic.Start();
            traffic.Run(() => traffic.Requests < requests);
            extra?.Invoke(writer);
            writer.Complete(driver.Now);
        }

        return stream.ToArray();
    }

    /// <summary>A handful of records of every kind, for byte-level tests (a few hundred bytes).</summary>
    public static byte[] Small()
    {
        var options = Options(new FaultPolicy(new FaultRule { EveryNth = 2, Outcome = FaultOutcome.Drop }));
        var stream = new MemoryStream();
        using (var writer = new TraceWriter(stream, Header(options, "small"), leaveOpen: true))
        {
            var observer = new TraceWriterObserver(writer);
            var driver = new EngineStepper(options, Start, observer);
            var t = Start;
            driver.Step(new EngineInput(EngineInputKind.SetStreamId, t, Id: 0x100));
            driver.Step(new EngineInput(EngineInputKind.IotlbUpdate, t = t.AddMilliseconds(1), 0x1000, 0x1000, 0xdead000, Core.Dma.AccessKind.ReadWrite));
            var access = driver.Step(new EngineInput(EngineInputKind.BeginAccess, t = t.AddMilliseconds(1), 0x1000, 64, Access: Core.Dma.AccessKind.Read));
            driver.Step(new EngineInput(EngineInputKind.EndAccess, t, Id: access.Token.Id));
            driver.Step(new EngineInput(EngineInputKind.IotlbInvalidate, t = t.AddMilliseconds(1), 0x1000, 0x1000, Id: 1));
            driver.Step(new EngineInput(EngineInputKind.IotlbInvalidate, t = t.AddMilliseconds(1), 0x2000, 0x1000, Id: 2));
            driver.AdvanceTo(t.AddSeconds(2));
            writer.WriteSmmu(t, "smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC");
            writer.WriteGuest(t, "round", [new("n", "1"), new("verified", "1")], TimeSpan.FromSeconds(9));
            driver.Step(new EngineInput(EngineInputKind.DeviceStopped, t = t.AddSeconds(2.1)));
            driver.Step(new EngineInput(EngineInputKind.DeviceStarted, t));
            driver.Step(new EngineInput(EngineInputKind.SteInvalidated, t, Id: 0x100));
            writer.Complete(t);
        }

        return stream.ToArray();
    }

    public static List<TraceEntry> ReadAll(byte[] trace, out TraceReader reader)
    {
        reader = new TraceReader(new MemoryStream(trace));
        var list = new List<TraceEntry>();
        while (reader.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }
}
