using System.Buffers.Binary;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Format;

public class TraceReaderTests
{
    [Fact]
    public void Read_SmallTrace_RoundTripsHeaderAndEveryRecord()
    {
        var bytes = TestTraces.Small();

        var entries = TestTraces.ReadAll(bytes, out var reader);

        using (reader)
        {
            Assert.Equal(TraceReadStatus.Complete, reader.Status);
            Assert.Null(reader.Problem);
            Assert.Equal("small", reader.Header.Scenario);
            Assert.Equal("7.2.22", reader.Header.Versions["QEMU_VERSION"]);
            Assert.Equal(TestTraces.Start, reader.EngineStart);
            Assert.Equal(TraceFormat.Version, reader.Header.FormatVersion);
            Assert.Equal(bytes.Length, reader.Position);
        }

        Assert.Equal(Enumerable.Range(0, entries.Count).Select(i => (long)i), entries.Select(e => e.Index));
        Assert.Contains(entries, e => e.Kind == TraceRecordKind.Effect && e.Effect.Kind == EffectKind.InvalidationTimedOut);
        Assert.Contains(entries, e => e.Kind == TraceRecordKind.Effect && e.Effect.Kind == EffectKind.Unfenced);
        Assert.Contains(entries, e => e.Kind == TraceRecordKind.Input && e.Result == AccessResult.Hit);
        Assert.Equal("<--- SMMU_CMD_SYNC", Assert.Single(entries, e => e.Kind == TraceRecordKind.Smmu).Smmu!.Message);
        Assert.Equal("1", Assert.Single(entries, e => e.Kind == TraceRecordKind.Guest).Guest!.Fields["verified"]);
        var end = entries[^1];
        Assert.Equal(TraceRecordKind.End, end.Kind);
        Assert.Equal((ulong)entries.Count - 1, end.End!.Records);
        var engineTimes = entries.Where(e => e.Kind is TraceRecordKind.Input or TraceRecordKind.Effect).Select(e => e.At).ToList();
        Assert.Equal(engineTimes.Order(), engineTimes);
    }

    [Fact]
    public void TryReadNext_EveryKindAfterEveryOther_CurrentEqualsTheEntryTryReadReturns()
    {
        // The replayer's in-place entry clears only the previous kind's fields: after each kind, each other
        // kind must look exactly as a freshly cleared entry does.
        var later = TestTraces.Start.AddHours(1);
        var input = new EngineInput(EngineInputKind.BeginAccess, later, 0x1000, 64, Access: Core.Dma.AccessKind.Read, Purpose: Core.Dma.DmaPurpose.Payload);
        var effect = new EngineEffect { Kind = EffectKind.Unfenced, At = later, Reason = "fresh attach", RecoveryTime = TimeSpan.FromSeconds(1) };
        var writes = new Action<TraceWriter>[]
        {
            w => w.WriteInput(input, AccessResult.Hit),
            w => w.WriteEffect(effect),
            w => w.WriteAckMeasured(later, new AckMeasurement(7, TimeSpan.FromTicks(90))),
            w => w.WriteSmmu(later, "smmuv3_cmdq_opcode", "<--- SMMU_CMD_SYNC"),
            w => w.WriteGuest(later, "round", [new("n", "1")], TimeSpan.FromSeconds(3)),
            w => w.WriteRunEnd(later, new Proto.RunEndRecord { Outcome = "passed" }),
        };
        var bytes = TestTraces.Synthetic(300, extra: w =>
        {
            foreach (var first in writes)
            {
                foreach (var second in writes)
                {
                    first(w);
                    second(w);
                }
            }
        });
        var expected = TestTraces.ReadAll(bytes, out var r0);
        r0.Dispose();
        Assert.Equal(7, expected.Select(e => e.Kind).Distinct().Count());

        using var reader = new TraceReader(new MemoryStream(bytes));
        var actual = new List<TraceEntry>();
        while (reader.TryReadNext())
        {
            actual.Add(reader.Current);
        }

        Assert.Equal(TraceReadStatus.Complete, reader.Status);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Equals(actual[i]), $"record {i} ({expected[i].Kind} after {(i > 0 ? expected[i - 1].Kind : 0)}) differs");
        }
    }

    [Fact]
    public void Read_TruncatedAtEveryByteOffset_ReadsEveryWholeRecordThenReportsTheCut()
    {
        var bytes = TestTraces.Small();
        var full = TestTraces.ReadAll(bytes, out var fullReader);
        fullReader.Dispose();
        long headerEnd = full[0].Offset;
        var recordEnds = full.Select((e, i) => i + 1 < full.Count ? full[i + 1].Offset : bytes.Length).ToArray();

        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var prefix = bytes.AsSpan(0, cut).ToArray();
            if (cut < headerEnd)
            {
                var ex = Assert.Throws<TraceFormatException>(() => new TraceReader(new MemoryStream(prefix)));
                Assert.True(ex.Message.Contains("cut short") || ex.Message.Contains("bad magic") || ex.Message.Contains("no header"),
                    $"cut {cut}: {ex.Message}");
                continue;
            }

            var entries = TestTraces.ReadAll(prefix, out var reader);
            using (reader)
            {
                int whole = recordEnds.Count(end => end <= cut);
                Assert.Equal(whole, entries.Count);
                Assert.Equal(full.Take(whole).Select(e => e.At), entries.Select(e => e.At));
                bool atBoundary = cut == headerEnd || recordEnds.Contains(cut);
                Assert.Equal(atBoundary ? TraceReadStatus.Incomplete : TraceReadStatus.Truncated, reader.Status);
                Assert.Contains(atBoundary ? "no end record" : "cut short", reader.Problem);
                Assert.Contains($"record {whole} ", reader.Problem!.Replace("after ", "record "));
            }
        }
    }

    [Fact]
    public void Read_AnyRecordByteFlipped_StopsAtThatRecordAsCorrupt()
    {
        var bytes = TestTraces.Small();
        var full = TestTraces.ReadAll(bytes, out var r0);
        r0.Dispose();

        for (int i = 0; i < full.Count; i++)
        {
            long start = full[i].Offset;
            long end = i + 1 < full.Count ? full[i + 1].Offset : bytes.Length;
            for (long pos = start; pos < end; pos++)
            {
                var corrupt = (byte[])bytes.Clone();
                corrupt[pos] ^= 0x5A;

                var entries = TestTraces.ReadAll(corrupt, out var reader);

                using (reader)
                {
                    // A flipped length byte may also make the frame look cut short at the end of the file.
                    Assert.True(reader.Status is TraceReadStatus.Corrupt or TraceReadStatus.Truncated, $"byte {pos}: {reader.Status}");
                    Assert.Equal(i, entries.Count);
                    Assert.StartsWith($"record {i} at byte {start}:", reader.Problem);
                }
            }
        }
    }

    [Fact]
    public void Read_PayloadByteFlipped_NamesTheChecksumMismatch()
    {
        var bytes = TestTraces.Small();
        var full = TestTraces.ReadAll(bytes, out var r0);
        r0.Dispose();
        var corrupt = (byte[])bytes.Clone();
        corrupt[full[3].Offset + 2] ^= 0x01;

        var entries = TestTraces.ReadAll(corrupt, out var reader);

        using (reader)
        {
            Assert.Equal(3, entries.Count);
            Assert.Equal(TraceReadStatus.Corrupt, reader.Status);
            Assert.Contains("checksum mismatch", reader.Problem);
        }
    }

    [Fact]
    public void Open_HeaderRecordCorrupt_ThrowsWithAClearMessage()
    {
        var bytes = TestTraces.Small();
        bytes[TraceFormat.FileHeaderBytes + 3] ^= 0xFF;

        var ex = Assert.Throws<TraceFormatException>(() => new TraceReader(new MemoryStream(bytes)));

        Assert.Contains("header record unusable", ex.Message);
    }

    [Theory]
    [InlineData("", "bad magic")]
    [InlineData("hello, world, not a trace", "bad magic")]
    [InlineData("HBTRACE\n", "cut short inside")]
    public void Open_NotATrace_Throws(string content, string expected)
    {
        var ex = Assert.Throws<TraceFormatException>(() => new TraceReader(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(content))));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Open_NewerFormatVersion_ThrowsNamingTheVersion()
    {
        var bytes = TestTraces.Small();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 99);

        var ex = Assert.Throws<TraceFormatException>(() => new TraceReader(new MemoryStream(bytes)));

        Assert.Contains("version 99 is not supported", ex.Message);
    }

    [Fact]
    public void Read_HugeRecordLength_IsCorruptWithoutAllocating()
    {
        var bytes = TestTraces.Small();
        var full = TestTraces.ReadAll(bytes, out var r0);
        r0.Dispose();
        var corrupt = bytes.AsSpan(0, (int)full[2].Offset).ToArray().Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3 }).ToArray();

        var entries = TestTraces.ReadAll(corrupt, out var reader);

        using (reader)
        {
            Assert.Equal(2, entries.Count);
            Assert.Equal(TraceReadStatus.Corrupt, reader.Status);
            Assert.Contains("exceeds", reader.Problem);
        }
    }

    [Fact]
    public void Read_BytesAfterTheEndRecord_AreReportedAsCorrupt()
    {
        var bytes = TestTraces.Small().Concat(new byte[] { 1, 2, 3 }).ToArray();

        var entries = TestTraces.ReadAll(bytes, out var reader);

        using (reader)
        {
            Assert.Equal(TraceRecordKind.End, entries[^1].Kind);
            Assert.Equal(TraceReadStatus.Corrupt, reader.Status);
            Assert.Contains("after the end record", reader.Problem);
        }
    }

    [Fact]
    public void Read_LargeTrace_StreamsInConstantMemory()
    {
        var bytes = TestTraces.Synthetic(20_000);
        using var reader = new TraceReader(new MemoryStream(bytes));
        long count = 0;
        reader.TryRead(out _);
        long before = GC.GetAllocatedBytesForCurrentThread();

        while (reader.TryRead(out _))
        {
            count++;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(TraceReadStatus.Complete, reader.Status);
        Assert.True(count > 100_000, $"{count} records");
        // Inputs and effects decode without allocation; only rare records (fence reasons, the end) allocate.
        Assert.True(allocated < count, $"{allocated} bytes allocated for {count} records");
    }
}
