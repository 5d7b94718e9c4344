using System.Buffers;
using System.Diagnostics;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;
using HilBridge.Traces.Replay;

namespace HilBridge.Bench.Replay;

/// <summary>The measured passes, each streaming the file from disk (page cache) from start to end.</summary>
internal static class Phases
{
    /// <summary>Exact replay: decode, rebuild the engine, apply every input at its time, compare every effect.</summary>
    public static Measurement Replay(string path, int round) => Measure($"replay (exact, engine + compare)", round, () =>
    {
        using var reader = TraceReader.Open(path);
        var result = TraceReplayer.Run(reader);
        if (!result.Reproduced)
        {
            throw new InvalidOperationException("benchmark trace did not reproduce: " + result.Mismatch);
        }

        return (result.Records, result.Recorded.Inputs);
    });

    /// <summary>The trace reader alone: framing, CRC32C, hand-written decode into structs.</summary>
    public static Measurement Decode(string path, int round) => Measure("decode only (TraceReader)", round, () =>
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

        return (reader.RecordsRead, inputs);
    });

    /// <summary>
    /// The peer: the same frames parsed by Google.Protobuf's generated TraceRecord parser (a message object
    /// per record), with the same framing but no checksum and no engine.
    /// </summary>
    public static Measurement ProtobufParse(string path, int round) => Measure("Google.Protobuf parse (peer)", round, () =>
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(4 << 20);
        int start = 0, end = 0;
        long records = -1, inputs = 0; // -1: the header frame is not a record
        bool eof = false;
        end = file.Read(buffer, 0, buffer.Length);
        start = TraceFormat.FileHeaderBytes;
        while (true)
        {
            if (end - start < 16 && !eof)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                int n;
                while (end < buffer.Length && (n = file.Read(buffer, end, buffer.Length - end)) > 0)
                {
                    end += n;
                }

                eof = end < buffer.Length;
            }

            if (start >= end)
            {
                break;
            }

            int length = 0, shift = 0, p = start;
            byte b;
            do
            {
                b = buffer[p++];
                length |= (b & 0x7F) << shift;
                shift += 7;
            }
            while (b >= 0x80);

            if (p + length + 4 > end)
            {
                if (eof)
                {
                    break;
                }

                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                end += file.Read(buffer, end, buffer.Length - end);
                continue;
            }

            var payload = buffer.AsSpan(p, length);
            if (records >= 0)
            {
                var record = TraceRecord.Parser.ParseFrom(payload);
                if (record.BodyCase is TraceRecord.BodyOneofCase.Input)
                {
                    inputs++;
                }
            }

            records++;
            start = p + length + 4;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return (records, inputs);
    });

    /// <summary>
    /// The live hot path: every input and effect of the trace fed to a <see cref="HilBridge.Traces.Recording.TraceRecorder"/>
    /// (lock, encode into the buffer, background writer) as the engine gate does. Reading is included, so
    /// the recorder's own cost is this pass minus "decode only".
    /// </summary>
    public static Measurement Record(string path, int round) => Measure("record (TraceRecorder) + decode", round, () =>
    {
        using var reader = TraceReader.Open(path);
        var output = Path.ChangeExtension(path, ".rerecorded.hbt");
        long inputs = 0;
        using (var recorder = HilBridge.Traces.Recording.TraceRecorder.Create(output, reader.Header.Clone(), TimeProvider.System))
        {
            while (reader.TryRead(out var e))
            {
                if (e.Kind == TraceRecordKind.Input)
                {
                    recorder.OnInput(e.Input, e.Result);
                    inputs++;
                }
                else if (e.Kind == TraceRecordKind.Effect)
                {
                    recorder.OnEffect(e.Effect);
                }
            }
        }

        File.Delete(output);
        return (reader.RecordsRead, inputs);
    });

    private static Measurement Measure(string name, int round, Func<(long Records, long Inputs)> pass)
    {
        Memory.ResetPeak();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        var (records, inputs) = pass();
        var elapsed = clock.Elapsed;
        var m = new Measurement(name, records, inputs, elapsed, Memory.PeakRss(), GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
        Console.Error.WriteLine($"round {round}  {name,-34} {records,12:N0} records ({inputs:N0} inputs) in {elapsed.TotalSeconds,6:0.00} s = {m.InputsPerSecond / 1e6,5:0.00} M inputs/s, {m.RecordsPerSecond / 1e6,5:0.00} M records/s, " +
            $"peak RSS {m.PeakRssBytes / 1e6:0} MB, allocated {m.AllocatedBytes / 1e6:0.0} MB, GCs gen0 {m.Gen0} gen2 {m.Gen2}");
        return m;
    }
}
