using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Generation;
using HilBridge.Traces.Recording;
using HilBridge.Traces.Replay;

namespace HilBridge.Bench.Replay;

/// <summary>Writes the benchmark trace with the synthetic guest and the mixed fault policy, unless it is already there.</summary>
internal static class Generator
{
    public static (long Records, long Events, long Bytes) Ensure(string path, long events)
    {
        if (File.Exists(path) && Count(path) is { } existing && existing.Events >= events)
        {
            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var options = new EngineOptions { Seed = 42, Policy = SyntheticTraffic.MixedPolicy };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var writer = TraceWriter.Create(path, TraceHeaders.Create("bench-mixed", "synthetic guest, mixed faults", options, start, source: "generated")))
        {
            var observer = new TraceWriterObserver(writer);
            var driver = new EngineStepper(options, start, observer);
            var traffic = new SyntheticTraffic(driver);
            traffic.Start();
            traffic.Run(() => writer.Records < events);
            writer.Complete(driver.Now);
        }

        Console.WriteLine($"generated in {clock.Elapsed.TotalSeconds:0.0} s");
        return Count(path) ?? throw new InvalidOperationException("the generated trace does not read back");
    }

    private static (long Records, long Events, long Bytes)? Count(string path)
    {
        using var reader = TraceReader.Open(path);
        long events = 0;
        while (reader.TryRead(out var e))
        {
            if (e.Kind is TraceRecordKind.Input or TraceRecordKind.Effect)
            {
                events++;
            }
        }

        return reader.Status == TraceReadStatus.Complete ? (reader.RecordsRead, events, new FileInfo(path).Length) : null;
    }
}
