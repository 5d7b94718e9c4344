using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Generation;
using HilBridge.Traces.Recording;

namespace HilBridge.Bench.Replay;

/// <summary>Writes a benchmark trace with the synthetic guest and the mixed fault policy, unless it is already there.</summary>
internal static class Generator
{
    /// <summary>A trace of at least <paramref name="inputs"/> engine inputs (effects come on top) at <paramref name="path"/>.</summary>
    public static TraceInfo Ensure(string path, long inputs)
    {
        if (File.Exists(path) && Count(path) is { } existing && existing.Inputs >= inputs)
        {
            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var options = new EngineOptions { Seed = 42, Policy = SyntheticTraffic.MixedPolicy };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var writer = TraceWriter.Create(path, TraceHeaders.Create("bench-mixed", "synthetic guest, mixed faults", options, start, source: "generated")))
        {
            var observer = new CountingObserver(new TraceWriterObserver(writer));
            var driver = new EngineStepper(options, start, observer);
            var traffic = new SyntheticTraffic(driver);
            traffic.Start();
            traffic.Run(() => observer.Inputs < inputs);
            writer.Complete(driver.Now);
        }

        Console.WriteLine($"generated {path} in {clock.Elapsed.TotalSeconds:0.0} s");
        return Count(path) ?? throw new InvalidOperationException("the generated trace does not read back");
    }

    private static TraceInfo? Count(string path)
    {
        using var reader = TraceReader.Open(path);
        long inputs = 0;
        while (reader.TryRead(out var e))
        {
            if (e.Kind is TraceRecordKind.Input)
            {
                inputs++;
            }
        }

        return reader.Status == TraceReadStatus.Complete ? new TraceInfo(path, reader.RecordsRead, inputs, new FileInfo(path).Length) : null;
    }

    private sealed class CountingObserver(IEngineObserver inner) : IEngineObserver
    {
        public long Inputs { get; private set; }

        public void OnInput(in EngineInput input, AccessResult? result)
        {
            Inputs++;
            inner.OnInput(input, result);
        }

        public void OnEffect(in EngineEffect effect) => inner.OnEffect(effect);
    }
}

/// <summary>A generated trace: its records (header frame excluded), engine inputs and bytes.</summary>
internal sealed record TraceInfo(string Path, long Records, long Inputs, long Bytes);
